# `make grade` and `make test` set themselves up: a virtual environment in .venv with pinned dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready
COMPILED := $(VENV)/.compiled
SUBMISSION ?=
OUT ?=
ASSIGNMENT ?=
SCHEDULER ?=

.PHONY: setup grade check grade-all review dask-scheduler dask-worker test fixtures check-fixtures handout clean \
	chromium bubblewrap doctor

# What grading needs; the tests need Chromium too (see `test`).
setup: $(READY) $(COMPILED) bubblewrap

# The pinned requirements first, then this checkout as the package (editable, its own dependencies already there):
# .venv/bin/grader, and `.venv/bin/dask worker ADDRESS` imports the grader without PYTHONPATH.
$(READY): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --editable .
	touch $(READY)

# The grader's modules compiled, as pip compiles an installed package's, and the assignments' (each grading imports
# its assignment's solution, cases and mistakes), again whenever one changes (a pull, an edited solution): a command
# doesn't compile them each time it starts where Python may not write them itself (PYTHONDONTWRITEBYTECODE; 0.13 s
# and 0.012 s of CPU per command here), and the sandbox runs its child's compiled module only while it is fresh.
$(COMPILED): $(READY) $(shell find grader reference -name '*.py')
	$(PY) -m compileall -q grader reference
	touch $(COMPILED)

# The examples of every assignment: submissions/<assignment>/*.py (the first assignment's are submissions/*.py).
EXAMPLES = $(wildcard submissions/*.py submissions/*/*.py)

# make grade SUBMISSION=path [OUT=dir]; with no SUBMISSION, every example of every assignment into
# reports/<name>/; each is graded as the assignment whose functions it defines.
grade: setup
	$(VENV)/bin/grader grade $(if $(SUBMISSION),"$(SUBMISSION)",$(EXAMPLES)) $(if $(OUT),--out "$(OUT)") \
		$(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

# make check [SUBMISSION=path] [FAIL_UNDER=percent]: only the public checks, as a student's repository runs them
# (no reference solution or hidden fixtures needed); exit 1 below FAIL_UNDER percent of the required points.
check: setup
	$(VENV)/bin/grader grade $(if $(SUBMISSION),"$(SUBMISSION)",$(EXAMPLES)) --public $(if $(OUT),--out "$(OUT)") \
		$(if $(FAIL_UNDER),--fail-under $(FAIL_UNDER)) $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

# make grade-all SUBMISSIONS=dir [OUT=dir] [WORKERS=n] [FORCE=1]: every file or folder in dir is one student's
# submission; reports, gradebook.csv and the class page index.html go into OUT (default reports/).
grade-all: setup
	@test -n "$(SUBMISSIONS)" || { echo "say which folder to grade: make grade-all SUBMISSIONS=dir [OUT=dir]"; exit 2; }
	$(VENV)/bin/grader grade-all "$(SUBMISSIONS)" $(if $(OUT),--out "$(OUT)") $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(FORCE),--force) $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(SCHEDULER),--scheduler "$(SCHEDULER)")

# A Dask cluster for `make grade-all SCHEDULER=tcp://HOST:8786`: the scheduler on one machine, a worker on each
# machine that grades (one submission at a time per thread: one per core by default), each from its own checkout of
# this repository with the same fixtures. These are Dask's own commands from .venv, where the grader is installed;
# DASK_ARGS passes more options (--host, --port, --nthreads, --scheduler-file ...).
dask-scheduler: setup
	$(VENV)/bin/dask scheduler --no-dashboard $(DASK_ARGS)

dask-worker: setup
	@test -n "$(SCHEDULER)" || { echo "say which scheduler to join: make dask-worker SCHEDULER=tcp://HOST:8786"; exit 2; }
	cd "$(CURDIR)" && $(VENV)/bin/dask worker "$(SCHEDULER)" --no-dashboard $(DASK_ARGS)

# make review OUT=dir [PORT=n] [HOST=address]: the web app where people grade the manual items of a class graded
# into dir (HOST other than 127.0.0.1 needs graders' accounts: python -m grader review dir --add-grader NAME).
review: setup
	@test -n "$(OUT)" || { echo "say which class to review: make review OUT=reports [PORT=8000]"; exit 2; }
	$(VENV)/bin/grader review "$(OUT)" $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

# The class page and the review app are tested in headless Chromium (Debian packages `chromium` and
# `chromium-driver`, which Selenium drives), installed here when running as root.
chromium:
	@if { ! command -v chromium || ! command -v chromedriver; } >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null 2>&1; then apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q chromium chromium-driver fonts-dejavu-core; fi

# Student code runs in bubblewrap (Debian package `bubblewrap`) where it works, installed here when running as root;
# without it the sandbox falls back to process-level limits, and every report says "isolation": "process".
bubblewrap:
	@if ! command -v bwrap >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap; fi

# Two test files at a time (pytest-xdist, each file's tests in one process, in random order): most tests wait on a
# sandbox, a browser or a server as much as they compute. `.venv/bin/python -m pytest` runs them one at a time.
# The order's seed is printed first (pytest -q hides it); `make test SEED=N` replays that order.
SEED := $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
test: setup chromium
	@echo "tests in random order, seed $(SEED): make test SEED=$(SEED) replays it"
	$(PY) -m pytest -q -n 2 --dist loadfile --randomly-seed=$(SEED)

fixtures: setup
	$(VENV)/bin/grader fixtures $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

check-fixtures: setup
	$(VENV)/bin/grader check-fixtures $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

# make handout [ASSIGNMENT=name] [OUT=dir]: the student's notebook, .py template, public cases and helpers,
# made from the assignment folder and its public fixtures, into OUT/<assignment>/ (default handouts/).
handout: setup
	$(VENV)/bin/grader handout $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(OUT),--out "$(OUT)")

# What this machine can do and lacks (sandbox, Chromium, packages, fixtures); SCHEDULER=... checks a cluster too.
doctor: setup
	$(VENV)/bin/grader doctor $(if $(SCHEDULER),--scheduler "$(SCHEDULER)")

clean:
	rm -rf $(VENV) reports handouts
