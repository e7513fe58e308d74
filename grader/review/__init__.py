"""Grading by people: the scores of manual items in SQLite (store), merged into the reports (publish), and the
review web app (app) where graders pick rubric items in a browser."""
