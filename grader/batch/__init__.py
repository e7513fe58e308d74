"""`grade-all`: a class graded in parallel by long-lived worker processes (grade_all, worker) with a progress bar,
on this machine or on a Dask cluster (cluster). Each worker grades through grader.api; nothing here imports the
command line.
"""
