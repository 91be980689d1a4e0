"""Prediction files: schemas, loading and validation (structural and against the vocabulary)."""
