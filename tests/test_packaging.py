"""The package as a user gets it: `pip install .` into a new virtual environment gives a working `grader` that finds
its course in the current folder (or --course), ships its templates and schema, and says in one line which extra a
verb needs; `grader --help` imports nothing heavy; `grader doctor` says what this machine lacks."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from grader import cli

HEAVY = ("numpy", "matplotlib", "flask", "dask", "distributed", "hypothesis", "IPython", "jinja2", "copydetect")
IMPORTED = """import sys
from grader.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:  # --help
    status = exc.code
print("\\nIMPORTED " + " ".join(sorted(sys.modules)))
sys.exit(status)
"""


def _imported(*argv, cwd=ROOT):
    run = subprocess.run([sys.executable, "-c", IMPORTED, *argv], cwd=cwd, capture_output=True, text=True,
                         timeout=300)
    names = run.stdout.rsplit("IMPORTED ", 1)[1].split()
    return run, set(names)


@pytest.mark.parametrize("argv", [["--help"], ["grade", "--help"], ["grade-all", "--help"], ["doctor", "--help"]])
def test_help_imports_no_heavy_package(argv):
    run, names = _imported(*argv)
    assert run.returncode == 0 and "usage: grader" in run.stdout, run.stderr
    assert not names & set(HEAVY), f"`grader {' '.join(argv)}` imported {sorted(names & set(HEAVY))}"


@pytest.mark.parametrize("module", ["correct.py", "rnn_layers/layers_correct.py"])  # the second plots its loss
def test_grading_a_module_loads_no_plot_web_or_cluster_package(module, tmp_path):
    run, names = _imported("grade", str(ROOT / "submissions" / module), "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert "numpy" in names  # it did grade
    assert not names & {"matplotlib", "flask", "dask", "distributed", "copydetect"}, sorted(names)
    # nor importlib.metadata, 0.01-0.02 s of a command, for an installed package's version (extras.version)
    assert "importlib.metadata" not in names


def _without(module, *argv, cwd=ROOT):
    """The command line in a process where `module` can't be imported, as where its extra is not installed."""
    code = f"import sys; sys.modules[{module!r}] = None\nfrom grader.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_grading_a_module_imports_only_what_its_verb_and_its_report_use(tmp_path):
    """A report without a loss history draws no chart, and the command line's sandbox starts before the batches'
    warm start (its zygote) is imported."""
    code = ("import sys\nfrom grader.cli import main\nfrom grader.sandbox import ahead\nstart = ahead.start\n"
            "ahead.start = lambda *a: print('WARM START BEFORE', 'grader.sandbox.forkserver' in sys.modules) or"
            " start(*a)\n" + IMPORTED.split("\n", 2)[2])
    run = subprocess.run([sys.executable, "-c", code, "grade", str(ROOT / "submissions" / "correct.py"), "--out",
                          str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    names = set(run.stdout.rsplit("IMPORTED ", 1)[1].split())
    assert "grader.grade" in names  # it did grade
    assert "grader.report.charts" not in names
    assert "WARM START BEFORE False" in run.stdout


@pytest.mark.parametrize("verb", sorted(cli.parser()._subparsers._group_actions[0].choices))
def test_a_verbs_parser_built_alone_is_the_one_of_the_whole_command_line(verb):
    """A command builds only the parser of the verb it runs (grader.cli.verb_of), and that is the same parser."""
    whole, alone = (cli.parser(v)._subparsers._group_actions[0].choices for v in (None, verb))
    assert list(alone) == [verb]
    assert alone[verb].format_help() == whole[verb].format_help()
    assert cli.verb_of([verb, "x"]) == cli.verb_of(["--course", verb, verb, "x"]) == verb
    assert cli.verb_of(["--cou=x", verb]) == cli.verb_of(["--co", "x", verb]) == verb  # argparse's abbreviation
    assert cli.verb_of(["--help", verb]) is None and cli.verb_of(["--course"]) is None


def test_the_assignments_modules_are_compiled_by_make_setup():
    """Each grading imports its assignment's modules; where Python may not write their compiled files itself
    (PYTHONDONTWRITEBYTECODE), each command would compile them again (0.012 s of CPU for the first assignment)."""
    modules = sorted((ROOT / "reference").rglob("*.py"))
    missing = [str(p.relative_to(ROOT)) for p in modules if not Path(importlib.util.cache_from_source(p)).is_file()]
    assert modules and not missing, f"not compiled: {missing}; run `make setup` (or make fixtures)"


@pytest.mark.parametrize("module, extra, argv", [
    ("flask", "review", ["review", "reports"]),
    ("distributed", "cluster", ["grade-all", "submissions", "--scheduler", "tcp://127.0.0.1:1", "--assignment", "rnn"]),
    ("copydetect", "similarity", ["similarity", "submissions", "--assignment", "rnn"]),
])
def test_a_missing_extra_is_one_line_naming_it(module, extra, argv, tmp_path):
    run = _without(module, *argv)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert f'pip install "rnn-grader[{extra}]"' in run.stderr and module in run.stderr, run.stderr


def test_doctor_says_what_works_and_fails_on_a_broken_course(tmp_path):
    run = subprocess.run([sys.executable, "-m", "grader", "doctor"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "grading works here" in run.stdout and "numpy " in run.stdout and "sandbox: " in run.stdout
    assert "rnn: fixtures match their manifest" in run.stdout
    course = tmp_path / "course"
    for part in ("reference", "fixtures"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__"))
    gone = sorted((course / "fixtures" / "rnn" / "hidden").rglob("*.json"))[0]
    gone.unlink()
    (course / "fixtures" / "rnn_layers" / "manifest.json").unlink()
    run = subprocess.run([sys.executable, "-m", "grader", "--course", str(course), "doctor"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"course: {course}" in run.stdout
    assert f"{gone.relative_to(course / 'fixtures' / 'rnn')} is missing" in run.stdout
    assert "rnn_layers: MISSING: no " in run.stdout and "run `make fixtures`" in run.stdout
    assert "grading does not work here: the fixtures of 'rnn'; the fixtures of 'rnn_layers'" in run.stdout


def test_doctor_without_bubblewrap_or_chromium_still_grades(tmp_path):
    """A PATH without bwrap and Chromium: the sandbox falls back to process-level limits, which grades."""
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    run = subprocess.run([sys.executable, "-m", "grader", "doctor", "--assignment", "rnn"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sandbox: process-level limits only: bubblewrap is not installed" in run.stdout
    assert "tests: no chromium, chromedriver" in run.stdout and "rnn_layers" not in run.stdout


def _fresh_venv(folder):
    """A new environment without pip in it (ensurepip would install pip itself for a few seconds of CPU): the pip
    of this interpreter installs into it with `--python`, as a user's pip would (pip 22.3 and later)."""
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    return folder / "bin"


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv_gives_a_working_grader(tmp_path):
    """About a minute: pip builds the package from a copy of the sources (in its own isolated build environment)
    and resolves and installs the core from its cache. --no-compile: pip would otherwise byte-compile every file
    of every dependency (IPython's jedi alone brings thousands), half of the install's CPU time; Python compiles
    what grading imports when it imports it."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "grader", source / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    bin_ = _fresh_venv(tmp_path / "venv")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_ / "python"), "install", "--quiet",
                              "--disable-pip-version-check", "--no-compile", str(source)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    shutil.rmtree(source)  # the installed grader must not need its sources
    course = tmp_path / "course"
    for part in ("reference", "fixtures"):
        shutil.copytree(ROOT / part, course / part, ignore=shutil.ignore_patterns("__pycache__"))
    (course / "class").mkdir()
    for name in ("alice", "bob"):
        shutil.copy(ROOT / "submissions" / "correct.py", course / "class" / f"{name}.py")
    grader = str(bin_ / "grader")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_COURSE")}

    def run(*argv, cwd=course):
        return subprocess.run([grader, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    graded = run("grade", "class/alice.py", "--out", "one", "--assignment", "rnn")
    assert graded.returncode == 0, graded.stderr
    document = json.loads((course / "one" / "report.json").read_text())
    assert document["score"] >= document["max_score"] > 0
    from grader.sandbox.process import bubblewrap_problem
    if bubblewrap_problem() is None:  # installed where the sandbox binds the environment: its code is hidden there
        assert document["isolation"] == "bubblewrap", graded.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    lost = run("grade", str(course / "class" / "alice.py"), cwd=elsewhere)
    assert lost.returncode == 2 and lost.stderr.count("\n") == 1 and "no course in" in lost.stderr, lost.stderr
    assert "--course DIR" in lost.stderr
    told = run("--course", str(course), "grade", str(course / "class" / "bob.py"), "--out", str(elsewhere / "bob"),
               "--public", cwd=elsewhere)
    assert told.returncode == 0 and (elsewhere / "bob" / "report.json").is_file(), told.stderr
    batch = run("grade-all", "class", "--out", "class-out", "--assignment", "rnn", "--workers", "2")
    assert batch.returncode == 0, batch.stderr
    page = (course / "class-out" / "index.html").read_text()  # the core has no matplotlib: its charts are SVG
    assert '<svg id="score-histogram"' in page and '<table id="pass-rates"' in page and "No plots" not in page
    review = run("review", "class-out")
    assert review.returncode == 2 and 'pip install "rnn-grader[review]"' in review.stderr, review.stderr
    bundle = run("export", "gradescope", "--out", "autograder.zip", "--assignment", "rnn")  # package data
    assert bundle.returncode == 0 and (course / "autograder.zip").is_file(), bundle.stderr
    doctor = run("doctor")
    assert doctor.returncode == 0 and "plots: no" in doctor.stdout, doctor.stdout + doctor.stderr


def test_a_student_repository_and_a_gradescope_bundle_install_only_the_core():
    from grader.platforms.gradescope import runtime_requirements
    names = {line.split("==")[0] for line in runtime_requirements().splitlines() if "==" in line}
    assert {"numpy", "hypothesis", "jsonschema", "nbformat", "ipython"} <= names
    assert not names & {"matplotlib", "flask", "dask", "distributed", "copydetect", "pytest", "selenium"}, names


def test_a_distributions_version_is_read_from_its_dist_info_folder_as_importlib_metadata_reads_it(tmp_path,
                                                                                                 monkeypatch):
    from importlib import metadata

    from grader.install import extras
    for name, version in (("Some_Package", "1.2.3"), ("other.pkg", "0.4")):
        (tmp_path / f"{name}-{version}.dist-info").mkdir()
        (tmp_path / f"{name}-{version}.dist-info" / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path), *sys.path])
    for asked in ("some-package", "Some.Package", "other_pkg", "hypothesis", "no-such-package-here"):
        try:
            expected = metadata.version(asked)
        except metadata.PackageNotFoundError:
            expected = None
        assert extras.version(asked) == expected, asked
    assert extras.version("some-package") == "1.2.3" and extras.version("no-such-package-here") is None
