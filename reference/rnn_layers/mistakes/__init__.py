"""The known mistakes of the CS231n-style RNN layers, which the grader names when a student's answer matches one.

Each mistake is the reference function written again with that one mistake in it (marked `# mistake`), a sentence
that completes "what <function> returns when ...", and a hint. A backward variant takes the reference forward's
cache, as the grader diagnoses a backward only where the student's own forward is right.
"""
from .layers import catalogue
