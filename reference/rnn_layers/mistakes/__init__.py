"""The known mistakes of the CS231n-style RNN layers, which the grader names when a student's answer matches one.

Each mistake is the reference function written again with that one mistake in it (marked `# mistake`), a sentence
that completes "what <function> returns when ...", and a hint. A backward variant takes the reference forward's
cache: where the student's own forward is wrong, the grader puts that forward's outputs into the reference's cache
first (grader.checks.own_caches.with_outputs), so the variant reads what the student's backward read.
"""
from .layers import catalogue
