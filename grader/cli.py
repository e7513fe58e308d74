"""The command line: a thin layer over grade, fixtures and report."""
import argparse
import os
import sys
from pathlib import Path

from . import assignment as assignments
from . import fixtures
from .api import grade_submission
from .errors import UsageError
from .report import github, terminal
from .sandbox.intake import submission_name
from .sandbox.limits import add_arguments as add_limit_arguments
from .sandbox.limits import from_options as _limits


def cmd_grade(options):
    limits = _limits(options)
    summary = os.environ.get("GITHUB_STEP_SUMMARY") if options.github else None
    if options.github and not summary:
        raise UsageError("--github writes the job summary to $GITHUB_STEP_SUMMARY, which is not set here")
    below = []
    several = len(options.paths) > 1
    for path in options.paths:
        if not Path(path).exists():
            raise UsageError(f"no such submission: {path!r}")
    for path in options.paths:
        chosen = assignments.find(options.assignment, public_only=options.public, submissions=[path])
        name = submission_name(path)
        out = Path(options.out or "reports") / name if several or not options.out else Path(options.out)
        document = grade_submission(path, chosen, out, limits, public_only=options.public)
        print(terminal.render(document, out))
        if options.github:
            print("\n".join(github.annotations(document, path)))
            github.write_summary(document, summary)
        if options.fail_under is not None and _percent(document) < options.fail_under:
            below.append(f"{name}: {_percent(document):.4g}% is below --fail-under {options.fail_under:g}%")
    for line in below:
        print(line, file=sys.stderr)
    return 1 if below else 0


def _percent(document):
    """The points earned on required checks, as a percentage of those available in this run. Extra credit does
    not count: it could make up for a required function that fails, and the threshold is about those."""
    required = document["score"] - document["extra_credit"]
    return 100.0 * required / document["max_score"] if document["max_score"] else 100.0


def cmd_grade_all(options):
    from .batch import grade_all
    chosen = assignments.find(options.assignment, submissions=[options.folder])
    return grade_all.run(options, chosen, _limits(options))


def cmd_init_student_repo(options):
    from .platforms import student_repo
    chosen = assignments.find(options.assignment)
    written = student_repo.init(options.directory, chosen, options.submission, options.fail_under, options.starter)
    print(f"wrote {len(written)} files into {options.directory}: a repository whose every push runs the public"
          " checks (GitHub Actions); push it to GitHub, or use it as the template of a GitHub Classroom assignment")
    return 0


def cmd_export(options):
    from .platforms import gradescope
    chosen = assignments.find(options.assignment)
    names = gradescope.gradescope(chosen, options.out)
    print(f"wrote {options.out} ({len(names)} files, hidden fixtures and reference included): upload it as the"
          " autograder of a Gradescope programming assignment (base image Ubuntu 22.04 or newer)")
    return 0


def cmd_fixtures(options):
    for chosen in _each(options):
        manifest = fixtures.generate(chosen, chosen.fixtures)
        print(f"wrote {len(manifest['files'])} fixtures and {fixtures.MANIFEST} into {chosen.fixtures}")
    return 0


def cmd_check_fixtures(options):
    status = 0
    for chosen in _each(options):
        drift = fixtures.check(chosen, chosen.fixtures)
        for line in drift:
            print(line)
        if drift:
            print(f"{len(drift)} drift(s) in {chosen.name!r}: if the change is intended, run `make fixtures` and"
                  " commit the result")
            status = 1
        else:
            print(f"fixtures of {chosen.name!r} match their recipes")
    return status


def _each(options):
    """The assignment --assignment names; without it, every one (fixtures are made and checked for all)."""
    if options.assignment:
        return [assignments.find(options.assignment)]
    return [assignments.find(name) for name in assignments.names()]


def parser():
    top = argparse.ArgumentParser(prog="python -m grader", description="Grade numpy deep-learning assignments.")
    verbs = top.add_subparsers(dest="verb", required=True)
    g = verbs.add_parser("grade", help="grade submissions: .py modules, .ipynb notebooks, or folders")
    g.add_argument("paths", nargs="+", help="submission files or folders (a student's workspace)")
    g.add_argument("--out", help="report folder (with several submissions: the folder that holds one per name);"
                                 " default reports/<name>")
    g.add_argument("--public", action="store_true", help="run only the public checks: no reference solution or"
                   " hidden fixtures needed (a student's repository)")
    g.add_argument("--fail-under", type=float, metavar="PERCENT", help="exit with status 1 when a score is below"
                   " PERCENT of the required points of this run (extra credit not counted)")
    g.add_argument("--github", action="store_true", help="in GitHub Actions: append report.md to the job summary"
                   " and print ::error annotations")
    add_limit_arguments(g)
    g.set_defaults(run=cmd_grade)
    b = verbs.add_parser("grade-all", help="grade a folder of submissions in parallel: reports, gradebook, class page")
    from .batch.grade_all import add_arguments
    add_arguments(b)
    b.set_defaults(run=cmd_grade_all)
    s = verbs.add_parser("init-student-repo", help="write a student repository that runs the public checks on"
                         " every push (GitHub Actions)")
    s.add_argument("directory", help="a new or empty folder")
    s.add_argument("--submission", help="the file the student works in, relative to the repository"
                   " (default: [student] submission in assignment.toml)")
    s.add_argument("--fail-under", type=float, metavar="PERCENT", help="the job fails below this percentage of the"
                   " required public points (default: [student] fail_under in assignment.toml)")
    s.add_argument("--starter", help="a file to put in the repository as the submission to fill in")
    s.set_defaults(run=cmd_init_student_repo)
    e = verbs.add_parser("export", help="build an autograder bundle for a course platform")
    e.add_argument("platform", choices=["gradescope"], help="where the bundle runs")
    e.add_argument("--out", default="autograder.zip", help="the zip to write (default: autograder.zip)")
    e.set_defaults(run=cmd_export)
    for verb, run, text in (("fixtures", cmd_fixtures, "regenerate the fixtures from the recipes"),
                            ("check-fixtures", cmd_check_fixtures, "regenerate into a temporary folder and name drift")):
        p = verbs.add_parser(verb, help=text)
        p.set_defaults(run=run)
    for p in verbs.choices.values():
        p.add_argument("--assignment", help="the assignment folder under reference/ (default: the one whose graded"
                       " functions the submission defines; for fixtures, every one)")
    return top


def main(argv=None):
    options = parser().parse_args(argv)
    try:
        return options.run(options)
    except UsageError as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
