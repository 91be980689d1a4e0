"""Annotation loaders: dataset files -> validated, typed ground truth.

* :mod:`ovbench.annotations.swig`: SWiG (train/dev/test.json + imsitu_space.json) and the
  original imSitu format.
* :mod:`ovbench.annotations.hico`: HICO-DET in the fredzzhang ``instances_*.json``, PPDM /
  GEN-VLKT ``*_hico.json`` and CMD-SE / THID ``test_hico_ann.json`` formats.
"""
