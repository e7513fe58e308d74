"""`python -m grader mistakes`: how well an assignment's catalogue of known mistakes serves a class.

- variants: on the assignment (no folder given), every variant is run on the public case of its function and
  must give an answer that differs from the reference's and from every other variant's at the checks' tolerance;
  otherwise the grader could never tell that mistake apart, and the verb says which.
- class_figures: on a grade-all output folder, how many wrong answers the catalogue names (value failures on the
  public case, and on every check), the groups of identical wrong answers with their sizes, and the groups no
  variant explains: what to read next to grow the catalogue.
"""
