"""For the people who write assignments: the schema of every file of an assignment folder and the checks of its
declarations (validate), and a new assignment's folder scaffolded from a solution module (scaffold)."""
