"""The student's handout, made from the assignment folder: a notebook and a .py template with a stub for every
graded function, the cells that run the handout's public cases, and the expected-output tables filled from the
public fixtures (so that they can't drift from what the public checks compare with).

  spec     what the folder declares (handout.md, handout.toml, manual.toml) and the tables' values
  source   signatures, docstrings and imports read from the reference with ast; the stubs
  values   how a value is shown, and the helpers copied into the handout
  writer   the notebook, the template, the public cases and the helpers, into one folder
"""
from .spec import read
from .writer import copy_helper, write


def build(assignment, folder, fixtures_folder=None):
    """Write the handout of `assignment` into `folder`; returns the paths written."""
    return write(read(assignment, fixtures_folder), folder)
