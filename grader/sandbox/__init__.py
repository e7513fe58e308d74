"""Everything that runs student code, and nothing that judges it.

intake (copy a submission into a scratch folder, decide its kind), notebook (read .ipynb and nbconvert exports) and
ipynb (a common notebook read and written without nbformat);
process (the sandboxed child: start, talk, stop), isolation (bubblewrap), reaper and limits; child, loader and wire,
copied into the sandbox and run there; program (the student's program as checks call it) and cells (a notebook run
cell by cell), executed (executed.ipynb). It imports nothing from the rest of the grader but grader.errors.
"""
