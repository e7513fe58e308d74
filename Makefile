# `make grade` and `make test` set themselves up: a virtual environment in .venv with pinned dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready
SUBMISSION ?=
OUT ?=
ASSIGNMENT ?=

.PHONY: setup grade test fixtures check-fixtures clean

setup: $(READY)

$(READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(READY)

# make grade SUBMISSION=path [OUT=dir]; with no SUBMISSION, every example in submissions/ into reports/<name>/.
grade: setup
	$(PY) -m grader grade $(if $(SUBMISSION),"$(SUBMISSION)",submissions/*) $(if $(OUT),--out "$(OUT)") \
		$(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

test: setup
	$(PY) -m pytest -q

fixtures: setup
	$(PY) -m grader fixtures $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

check-fixtures: setup
	$(PY) -m grader check-fixtures $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

clean:
	rm -rf $(VENV) reports
