"""What checks are made of: the registry (suite), comparisons of values and structures (compare, standard), the
numeric gradient check, derandomized property tests, and the diagnosis of known mistakes. An assignment's own
checks.py builds on these. It may import grader.sandbox (the exceptions that a call raises) and nothing above it.
"""
