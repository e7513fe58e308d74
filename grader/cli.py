"""The command line: a thin layer over grade, fixtures and report."""
import argparse
import json
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
    names, refused = [submission_name(path) for path in options.paths], []
    for path, name in zip(options.paths, names):
        try:
            chosen = assignments.find(options.assignment, public_only=options.public, submissions=[path])
        except UsageError as exc:  # one broken assignment (or undecidable file) must not stop the others
            if not several:
                raise
            refused.append(f"grader: {path}: not graded: {exc}")
            print(refused[-1], file=sys.stderr)
            continue
        if names.count(name) > 1:  # submissions/correct.py and submissions/<assignment>/correct.py, say
            name = f"{Path(path).resolve().parent.name}-{name}"
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
    if refused:
        print(f"grader: {len(refused)} of {len(options.paths)} submissions not graded (above)", file=sys.stderr)
        return 2
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


def cmd_similarity(options):
    from .similarity import collect, run
    folder = Path(options.folder)
    if not folder.is_dir():
        raise UsageError(f"{str(folder)!r} is not a folder; give the folder of submissions or a grade-all output")
    reports = run.is_report_folder(folder)
    out = Path(options.out) if options.out else folder if reports else Path("reports")
    if not reports and out.resolve() == folder.resolve():
        raise UsageError(f"--out {str(out)!r} is the folder of submissions, which the check does not write into;"
                         " give another folder")
    if options.archive is not None:
        collect.check_archive(options.archive)  # before the assignment is chosen, which says so on stderr
    chosen = assignments.find(options.assignment or (run.graded_assignment(folder) if reports else None),
                              submissions=[folder])
    found = run.entries(folder, out)
    if not found:
        raise UsageError(f"{str(folder)!r} holds no submissions (files or folders) to compare")
    comparison = run.run(found, out, chosen, options.archive, options.starter)
    for note in comparison.notes:
        print(f"note: {note}", file=sys.stderr)
    if (out / "index.html").is_file():  # a grade-all output: its class page gets the section on flagged pairs
        from .report import classpage
        documents = [json.loads(p.read_text()) for p in sorted(out.glob("*/report.json"))]
        (out / "index.html").write_text(classpage.render(documents))
    flagged = sum(p.flagged for p in comparison.pairs)
    print(f"compared {comparison.students} submissions with each other and with {comparison.archive} known"
          f" solutions: {flagged} pairs flagged\nsimilarity: {out / 'similarity.html'} (ranked pairs:"
          f" {out / 'similarity.json'})")
    return 0


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


def cmd_review(options):
    """The review web app on a class's output folder; or, with --export/--import/--publish, that and no server."""
    from pathlib import Path as _Path
    from .review import publish, store
    out = _Path(options.out)
    if not publish.students(out):
        raise UsageError(f"{options.out!r} holds no reports (<name>/report.json): run grade-all into it first")
    if options.import_csv:
        from .review.app import import_scores
        if not _Path(options.import_csv).is_file():
            raise UsageError(f"no such CSV file: {options.import_csv!r}")
        count = import_scores(out, _Path(options.import_csv).read_text(encoding="utf-8-sig"), options.grader or "")
        print(f"imported {count} scores into {out / store.NAME}; reports and gradebook.csv updated")
    if options.export:
        _Path(options.export).write_text(store.export_csv(out))
        print(f"wrote the saved scores to {options.export}")
    if options.publish:
        publish.publish(out, class_page=True)
        print(f"merged the saved scores into the reports; wrote {out / 'gradebook.csv'} and {out / 'index.html'}")
    if options.import_csv or options.export or options.publish:
        return 0
    from .review.app import serve
    serve(out, options.port, options.grader)
def cmd_handout(options):
    from . import handout
    chosen = [options.assignment] if options.assignment else assignments.names()
    for name in chosen:
        assignment = assignments.find(name)
        folder = Path(options.out or "handouts") / assignment.name
        made = handout.read(assignment)
        written = handout.write(made, folder)
        for note in made.notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"wrote the handout of {assignment.name!r} into {folder} ({len(written)} files): hand out the whole"
              " folder (the notebook, the .py template, public_cases/ and the helpers)")
    return 0


def cmd_fixtures(options):
    for chosen in _each(options):
        try:
            manifest = fixtures.generate(chosen, chosen.fixtures)
        except fixtures.RecipeError as exc:
            raise UsageError(str(exc)) from None
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


def cmd_check_assignment(options):
    """Load an assignment folder as grading would, and say what it grades; nothing is graded."""
    chosen = assignments.load(assignments.folder_of(options.name))
    required = [c for c in chosen.checks() if not chosen.points(c)[1]]
    extra = [c for c in chosen.checks() if chosen.points(c)[1]]
    points = lambda checks: sum(chosen.points(c)[0] for c in checks)  # noqa: E731
    manifest = chosen.fixtures / fixtures.MANIFEST
    print(f"{chosen.folder}: the declarations are valid; {len(chosen.checks())} checks of"
          f" {len({c.function for c in chosen.checks()})} functions, {points(required):g} points"
          + (f" + {points(extra):g} of extra credit" if extra else "")
          + ("" if manifest.is_file() else f"; no fixtures yet in {chosen.fixtures}: run `make fixtures"
             f" ASSIGNMENT={chosen.name}`"))
    return 0


def cmd_new(options):
    from .authoring import scaffold
    folder = assignments.ROOT / "reference" / options.name
    if not options.name.isidentifier():
        raise UsageError(f"{options.name!r} can't name an assignment: use letters, digits and _")
    written = scaffold.write(folder, options.solution)
    print(f"wrote {', '.join(written)} into {folder}")
    print(f"next: fill in what cases.py marks FILL IN, then `make fixtures ASSIGNMENT={options.name}` and"
          f" `python -m grader grade {folder / 'solution.py'} --assignment {options.name}` (full marks)")
    return 0


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
    m = verbs.add_parser("similarity", help="compare the graded code of a class, pair by pair and with known"
                         " solutions, the handout's code taken out (for the instructor; changes no score)")
    m.add_argument("folder", help="the folder of submissions, or a grade-all output folder")
    m.add_argument("--archive", help="a folder of known solutions (.py, .ipynb) to compare each submission with")
    m.add_argument("--starter", help="the handout's code to take out, a file or a folder (default: the"
                   " assignment's starter folder)")
    m.add_argument("--out", help="where similarity.json and similarity.html go (default: FOLDER for a grade-all"
                   " output, else reports); report.json files found there get the instructor-only `similarity`"
                   " field")
    m.set_defaults(run=cmd_similarity)
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
    r = verbs.add_parser("review", help="grade the items people grade (written answers, the bonus) in a browser")
    r.add_argument("out", help="a class's output folder (the --out of grade-all)")
    r.add_argument("--port", type=int, default=8000, help="the port on 127.0.0.1 (default: 8000)")
    r.add_argument("--grader", help="the name saved with each score (default: $USER; the page can change it)")
    r.add_argument("--export", metavar="CSV", help="write the saved scores to this CSV file, and serve nothing")
    r.add_argument("--import", dest="import_csv", metavar="CSV", help="save the scores of this CSV file (columns"
                   " student, item, points, rubric_items, comment, grader), and serve nothing")
    r.add_argument("--publish", action="store_true", help="merge the saved scores into every report, gradebook.csv"
                   " and index.html, and serve nothing")
    r.set_defaults(run=cmd_review)
    h = verbs.add_parser("handout", help="write the student's handout of every assignment (or of --assignment):"
                         " notebook, .py template, public cases, helpers")
    h.add_argument("--out", help="the folder that gets one handout folder per assignment (default: handouts/)")
    h.set_defaults(run=cmd_handout)
    for verb, run, text in (("fixtures", cmd_fixtures, "regenerate the fixtures from the recipes"),
                            ("check-fixtures", cmd_check_fixtures, "regenerate into a temporary folder and name drift")):
        p = verbs.add_parser(verb, help=text)
        p.set_defaults(run=run)
    c = verbs.add_parser("check-assignment", help="check an assignment folder's declarations (every file against"
                         " its schema, names against the solution and the checks); grades nothing")
    c.add_argument("name", help="an assignment's name (a folder of reference/) or the path of its folder")
    c.set_defaults(run=cmd_check_assignment)
    n = verbs.add_parser("new", help="scaffold a new assignment folder reference/NAME from its solution module")
    n.add_argument("name", help="the new assignment's name (a folder of reference/)")
    n.add_argument("--from", dest="solution", required=True, metavar="SOLUTION.py",
                   help="the reference solution: its public functions are graded")
    n.set_defaults(run=cmd_new)
    for p in verbs.choices.values():
        if p in (c, n):
            continue
        p.add_argument("--assignment", help="the assignment folder under reference/ (default: the one whose graded"
                       " functions the submission defines; for fixtures, check-fixtures and handout, every one)")
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
