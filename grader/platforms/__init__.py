"""Where courses run: the Gradescope autograder bundle (gradescope) and what runs in it (autograder), a student's
repository with GitHub Actions (student_repo), and their file templates. They grade through grader.api.
"""
