#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu): a virtual environment with
# the grader's pinned requirements. Written by `python -m grader export gradescope`.
# Choose Ubuntu 22.04 or newer as the base image in the assignment's autograder settings.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"

# The grader needs Python 3.11 or newer: take the newest on the image, else install 3.11 from Ubuntu's packages.
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y python3.11 python3.11-venv
  python=python3.11
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then  # Ubuntu ships venv's pip apart
  venv_package="$("$python" -c 'import sys; print(f"python3.{sys.version_info[1]}-venv")')"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$venv_package"
fi

# Student code runs in bubblewrap where it works; without it the sandbox falls back to process-level limits, and
# each report says which ("isolation").
if ! command -v bwrap >/dev/null; then
  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap) \
    || echo "setup.sh: bubblewrap could not be installed; student code will run under process-level limits"
fi

"$python" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$ROOT/source/requirements.txt"
