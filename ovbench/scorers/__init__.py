"""Pure scorers: validated ground truth and predictions in, numbers out.

No file I/O, printing, torch or pandas here: every knob that moves a number is an explicit
argument and is recorded in the result.
"""
