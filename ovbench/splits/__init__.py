"""Benchmark splits: generators and frozen, hash-verified definitions.

Frozen split files live in the repository's top-level ``splits/`` folder and ship inside the
package as ``ovbench._splits``.
"""
