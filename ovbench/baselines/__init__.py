"""Baselines that produce ovbench predictions themselves (the only home of torch and open_clip).

:mod:`ovbench.baselines.clip`: the zero-shot open_clip baseline (``ovbench baseline clip``), behind
the ``clip`` extra.
"""
