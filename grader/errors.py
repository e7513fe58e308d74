"""Errors that any part of the grader may raise to the person running it."""


class UsageError(Exception):
    """Bad input from the person running the grader: one line that says what to do."""
