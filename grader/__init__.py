"""A grading harness for numerical (deep-learning) assignments: sandboxed, seeded, explained."""
