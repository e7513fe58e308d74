"""The options of `grader grade-all`, apart from the batch itself so that `grader --help` imports nothing heavy."""
from ..report.gradescope import HIDDEN_KINDS, HIDDEN_VISIBILITY, VISIBILITIES

SUBMISSION_SECONDS = 600.0  # the batch's own limit on grading one submission, whatever happens


def add_arguments(parser):
    """The options of `python -m grader grade-all` (the limits are the same as `grade`'s)."""
    from ..sandbox.limits import add_arguments as add_limit_arguments
    parser.add_argument("folder", help="the folder of submissions: each file or folder in it is one student's")
    parser.add_argument("--out", default="reports", help="where the reports go (default: reports)")
    parser.add_argument("--workers", type=int, default=0, help="submissions graded at once (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="grade on the Dask cluster of this scheduler (tcp://HOST:8786, or the JSON file of "
                             "`dask scheduler --scheduler-file`); --workers is then the cluster's")
    parser.add_argument("--wait-workers", type=float, default=10.0, metavar="SECONDS",
                        help="with --scheduler: how long to wait for a first worker to join (default: 10)")
    parser.add_argument("--force", action="store_true", help="grade again even the submissions that did not change")
    parser.add_argument("--public", action="store_true", help="run only the public checks (no hidden fixtures)")
    parser.add_argument("--submission-timeout", type=float, default=SUBMISSION_SECONDS,
                        help="seconds the batch allows for grading one submission, whatever happens")
    parser.add_argument("--hidden-kinds", default=",".join(HIDDEN_KINDS),
                        help="comma-separated prefixes of the check kinds that are hidden on Gradescope")
    parser.add_argument("--hidden-visibility", default=HIDDEN_VISIBILITY, choices=VISIBILITIES,
                        help="Gradescope visibility of hidden checks (default: after_published)")
    parser.add_argument("--similarity", action="store_true", help="at the end, compare the class's graded code"
                        " pair by pair (and with --archive): similarity.html, for the instructor; changes no score")
    parser.add_argument("--archive", help="with --similarity: a folder of known solutions (.py, .ipynb)")
    parser.add_argument("--starter", help="with --similarity: the handout's code to take out (default: the"
                        " assignment's starter folder)")
    add_limit_arguments(parser)  # the same limits as `grade`'s
