"""The command line: a thin layer over grade, fixtures and report.

Each verb imports what it needs when it runs (numpy and the grading code for `grade`, Flask for `review`, Dask for
`--scheduler`): `grader --help` loads none of them."""
import argparse
import json
import os
import sys
from pathlib import Path

from .errors import UsageError
from .install import course, extras
from .sandbox.limits import SINGLE_THREADED
from .sandbox.limits import add_arguments as add_limit_arguments
from .sandbox.limits import from_options as _limits


def cmd_grade(options):
    os.environ.update(SINGLE_THREADED)  # before numpy's import (grader.api's)
    from . import assignment as assignments
    limits = _limits(options)
    summary = os.environ.get("GITHUB_STEP_SUMMARY") if options.github else None
    if options.github and not summary:
        raise UsageError("--github writes the job summary to $GITHUB_STEP_SUMMARY, which is not set here")
    below = []
    several = len(options.paths) > 1
    for path in options.paths:
        if not Path(path).exists():
            raise UsageError(f"no such submission: {path!r}")
    if not several:  # its sandbox starts while the grading code is imported and the assignment loaded
        folder = assignments.choose(options.assignment, submissions=options.paths)
        options.assignment = folder.name  # (chosen once: the choice is said once)
        from .sandbox import spare
        spare.start_ahead(options.paths[0], assignments.provided_of(folder), limits)
    from .api import grade_submission, released_alongside
    from .report import terminal
    from .sandbox.intake import submission_name
    folders = _folders(options.paths) if several or not options.out else {}
    refused = []
    for path in options.paths:
        try:
            chosen = assignments.find(options.assignment, public_only=options.public, submissions=[path])
        except UsageError as exc:  # one broken assignment (or undecidable file) must not stop the others
            if not several:
                raise
            refused.append(f"grader: {terminal.printable(str(path))}: not graded: {exc}")
            print(refused[-1], file=sys.stderr)
            continue
        name = submission_name(path)
        out = Path(options.out or "reports") / folders[Path(path)] if several or not options.out \
            else Path(options.out)
        with released_alongside():  # its sandbox is stopped while its report is written
            document = grade_submission(path, chosen, out, limits, public_only=options.public)
            print(terminal.render(document, out))
            if options.github:
                from .report import github
                print("\n".join(github.annotations(document, path)))
                github.write_summary(document, summary)
        if options.fail_under is not None and _percent(document) < options.fail_under:
            below.append(f"{terminal.printable(name)}: {_percent(document):.4g}% is below --fail-under "
                         f"{options.fail_under:g}%")
    for line in below:
        print(line, file=sys.stderr)
    if refused:
        print(f"grader: {len(refused)} of {len(options.paths)} submissions not graded (above)", file=sys.stderr)
        return 2
    return 1 if below else 0


def _folders(paths):
    """{path: the report folder's name}, safe and unique, as grade-all names them."""
    from .batch.grade_all import entries
    return {e.path: e.name for e in entries([Path(p) for p in paths])}


def _percent(document):
    """The points earned on required checks, as a percentage of those available in this run. Extra credit does
    not count: it could make up for a required function that fails, and the threshold is about those."""
    required = document["score"] - document["extra_credit"]
    return 100.0 * required / document["max_score"] if document["max_score"] else 100.0


def cmd_grade_all(options):
    os.environ.update(SINGLE_THREADED)  # before numpy's import: the batch's parent, as its workers (worker.py)
    from . import assignment as assignments
    from .batch import grade_all
    if options.scheduler:
        extras.require("cluster", "--scheduler")
    if options.similarity:
        extras.require("similarity", "--similarity")
    if not options.scheduler:
        grade_all.start_workers(options.workers)
    folder = assignments.choose(options.assignment, submissions=[options.folder])
    if not options.scheduler:  # their warm start begins while the assignment loads
        grade_all.warm_workers(options.folder, folder, _limits(options), options.out, options.force)
    return grade_all.run(options, assignments.load(folder), _limits(options))


def cmd_similarity(options):
    extras.require("similarity", "the similarity check")
    from . import assignment as assignments
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
    from .batch.grade_all import entries as named  # the folders grade-all names, safe and unique
    from .report.terminal import printable
    found = run.entries(folder, out, named=lambda paths: [(e.name, e.path) for e in named(paths)])
    if not found:
        raise UsageError(f"{str(folder)!r} holds no submissions (files or folders) to compare")
    comparison = run.run(found, out, chosen, options.archive, options.starter)
    for note in comparison.notes:
        print(f"note: {printable(note)}", file=sys.stderr)
    if (out / "index.html").is_file():  # a grade-all output: its class page gets the section on flagged pairs
        from .report import classpage, code
        documents = [json.loads(p.read_text()) for p in sorted(out.glob("*/report.json"))]
        (out / "index.html").write_text(classpage.render(documents, code.reader(out)))
    flagged = sum(p.flagged for p in comparison.pairs)
    print(f"compared {comparison.students} submissions with each other and with {comparison.archive} known"
          f" solutions: {flagged} pairs flagged\nsimilarity: {out / 'similarity.html'} (ranked pairs:"
          f" {out / 'similarity.json'})")
    return 0


def cmd_init_student_repo(options):
    from . import assignment as assignments
    from .platforms import student_repo
    chosen = assignments.find(options.assignment)
    written = student_repo.init(options.directory, chosen, options.submission, options.fail_under, options.starter)
    print(f"wrote {len(written)} files into {options.directory}: a repository whose every push runs the public"
          " checks (GitHub Actions); push it to GitHub, or use it as the template of a GitHub Classroom assignment")
    return 0


def cmd_export(options):
    from . import assignment as assignments
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
    if not (options.export or options.import_csv or options.publish):
        extras.require("review", "the review app")
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
    if options.add_grader:
        store.add_grader(out, options.add_grader, _password(options.add_grader))
        print(f"{options.add_grader} can log in to grade {out}; with accounts, the app asks every grader to log in")
    if options.import_csv or options.export or options.publish or options.add_grader:
        return 0
    from .review.app import serve
    serve(out, options.port, options.grader, options.host, options.public_url, options.session_hours)


def _password(name):
    """A new grader's password: typed twice at a terminal, or the first line of standard input (never argv,
    which other users of the machine can read)."""
    import getpass
    import sys
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {name}: ")
    if getpass.getpass("again: ") != password:
        raise UsageError("the two passwords differ; nothing saved")
    return password


def cmd_mistakes(options):
    """With a grade-all output folder: how much of the class's wrong answers the catalogue names. Without one: each
    variant of the catalogue (of --assignment, else of every assignment) tried on its function's public case."""
    from .catalogue import class_figures, variants
    if options.out is not None:
        if not Path(options.out).is_dir():
            raise UsageError(f"{options.out!r} is not a folder; give the --out folder of a grade-all run")
        print("\n".join(class_figures.class_figures(options.out)))
        return 0
    status = 0
    for chosen in _each(options):
        catalogue = getattr(getattr(chosen.package, "mistakes", None), "catalogue", None)
        if catalogue is None:
            print(f"{chosen.name}: no catalogue of known mistakes (mistakes/ in its folder)")
            continue
        problems = variants.check_catalogue(chosen, catalogue)
        print("\n".join(problems) or f"{chosen.name}: each of the {len(catalogue)} known mistakes gives its own answer"
              " on the public case, different from the reference's")
        status = 1 if problems else status
    return status


def cmd_handout(options):
    from . import assignment as assignments
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
    from . import fixtures
    for chosen in _each(options):
        try:
            manifest = fixtures.generate(chosen, chosen.fixtures)
        except fixtures.RecipeError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {len(manifest['files'])} fixtures and {fixtures.MANIFEST} into {chosen.fixtures}")
    return 0


def cmd_check_fixtures(options):
    from . import fixtures
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
    from . import assignment as assignments
    from . import fixtures
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
    folder = course.root() / "reference" / options.name
    if not options.name.isidentifier():
        raise UsageError(f"{options.name!r} can't name an assignment: use letters, digits and _")
    written = scaffold.write(folder, options.solution)
    print(f"wrote {', '.join(written)} into {folder}")
    print(f"next: fill in what cases.py marks FILL IN, then `make fixtures ASSIGNMENT={options.name}` and"
          f" `python -m grader grade {folder / 'solution.py'} --assignment {options.name}` (full marks)")
    return 0


def _each(options):
    """The assignment --assignment names; without it, every one (fixtures are made and checked for all)."""
    from . import assignment as assignments
    if options.assignment:
        return [assignments.find(options.assignment)]
    return [assignments.find(name) for name in assignments.names()]


def cmd_doctor(options):
    from .install import doctor
    return doctor.run(options.scheduler, options.assignment)


def parser(verb=None):
    """The command line's parser; with `verb`, of that verb alone (the one a command runs: building all of them is
    6 ms of its start, before its sandbox starts), or of all if no verb has that name."""
    top = argparse.ArgumentParser(prog="grader", description="Grade numpy deep-learning assignments.")
    top.add_argument("--course", metavar="DIR", help="the course folder, with reference/ (the assignments) and"
                     f" fixtures/ (default: ${course.ENV}, else the current folder, else this grader's checkout)")
    verbs = _Only(top.add_subparsers(dest="verb", required=True), verb)
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
    if not isinstance(b, _Unbuilt):  # (its module imports the Gradescope report's: 0.6 ms of a `grade`)
        from .batch.options import add_arguments
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
    r.add_argument("--port", type=int, default=8000, help="the port (default: 8000)")
    r.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1, this"
                   " machine only); another needs graders' accounts (--add-grader)")
    r.add_argument("--public-url", help="the URL browsers use when a reverse proxy (HTTPS) serves the app, e.g."
                   " https://grading.example.edu; needs graders' accounts")
    r.add_argument("--session-hours", type=float, default=8.0, help="a grader's login lasts this long (default: 8)")
    r.add_argument("--add-grader", metavar="NAME", help="add (or give a new password to) a grader's account, the"
                   " password read from the terminal or standard input, and serve nothing")
    r.add_argument("--grader", help="without accounts, the name saved with each score (default: $USER)")
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
    k = verbs.add_parser("mistakes", help="the known mistakes: each variant told apart on the public case; with a"
                         " grade-all output folder, the wrong answers the catalogue names and the groups it doesn't")
    k.add_argument("out", nargs="?", help="a class's output folder (the --out of grade-all)")
    k.set_defaults(run=cmd_mistakes)
    for name, run, text in (("fixtures", cmd_fixtures, "regenerate the fixtures from the recipes"),
                            ("check-fixtures", cmd_check_fixtures, "regenerate into a temporary folder and name drift")):
        p = verbs.add_parser(name, help=text)
        p.set_defaults(run=run)
    d = verbs.add_parser("doctor", help="what this machine can do and lacks: Python, packages, sandbox, Chromium,"
                         " assignments and fixtures; with --scheduler, each Dask worker's view")
    d.add_argument("--scheduler", metavar="ADDRESS", help="also check the workers of this Dask scheduler"
                   " (tcp://HOST:8786, or a --scheduler-file)")
    d.set_defaults(run=cmd_doctor)
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
        p.add_argument("--course", metavar="DIR", default=argparse.SUPPRESS, help="the course folder (reference/"
                       " and fixtures/); as the option before the verb")
    return top if verb is None or verb in verbs.choices else parser()


class _Only:
    """The verbs' parsers, of which only `verb`'s is built (None: every one's)."""

    def __init__(self, verbs, verb):
        self.verbs, self.verb, self.choices = verbs, verb, verbs.choices

    def add_parser(self, name, **kwargs):
        return self.verbs.add_parser(name, **kwargs) if self.verb in (None, name) else _Unbuilt()


class _Unbuilt:
    """The parser of a verb that is not run: what is added to it is dropped."""

    def add_argument(self, *args, **kwargs):
        pass

    def set_defaults(self, **kwargs):
        pass


def verb_of(argv):
    """The verb `argv` runs, if nothing but --course comes before it; else None (--help, say, shows every verb)."""
    args = iter(argv)
    for arg in args:
        if not arg.startswith("-"):
            return arg
        if len(arg) < 3 or not "--course".startswith(arg.split("=")[0]):  # (argparse takes --cou for --course)
            return None
        if "=" not in arg:
            next(args, None)
    return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    options = parser(verb_of(argv)).parse_args(argv)
    if options.course:  # the environment carries it to the batch's worker processes too
        os.environ[course.ENV] = str(Path(options.course).resolve())
    try:
        return options.run(options)
    except UsageError as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2


def entry():
    """The `grader` console script (pyproject.toml)."""
    code = main()
    end_at_once(0 if code is None else code)


def end_at_once(code):
    """Exit with `code` once what must run at a process's end has run (the threads that are not daemons joined,
    the exit handlers, which stop a sandbox left over and remove its folder; the standard streams flushed),
    without the interpreter's tear-down, which frees every module's objects (numpy's, IPython's, the grading's)
    for nothing: 0.1 to 0.6 s of a `grade` or a `grade-all` after its last file was written (as a sandbox's
    child ends, child.run). A code that is not a number (a message) ends as Python ends it."""
    if not isinstance(code, int):
        sys.exit(code)
    import atexit
    import threading
    threading._shutdown()  # as the interpreter's end begins: the threads' exit callbacks, then non-daemons joined
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`) or a closed stream: as Python's own end
            code = code or 120
    os._exit(code)


if __name__ == "__main__":
    entry()
