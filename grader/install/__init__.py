"""This copy of the grader and what surrounds it: course (where the assignments and their fixtures are), declared
(their TOML files read, the parses kept for the next commands), extras (which optional parts of the package are
installed here) and doctor (`grader doctor`: what works on this machine).

course, declared and extras import only errors, so that every part may use them; doctor is a front end, like cli.
"""
