"""The known mistakes of the RNN assignment, which the grader names when a student's answer matches one.

Each mistake is the reference function written again with that one mistake in it, a sentence that completes
"what <function> returns when ...", and a hint that points at the line of the handout's formula without giving
the answer away. To add one, write its variant next to the others in forward.py or backward.py, and add a
submission that makes it to tests/test_diagnosis.py (the test checks that every mistake here is diagnosed).
"""
from .backward import catalogue as _backward
from .forward import catalogue as _forward

catalogue = _forward + _backward
