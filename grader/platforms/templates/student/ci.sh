#!/usr/bin/env bash
# The steps of this repository's GitHub Actions job (.github/workflows/grade.yml), kept here so that they run the
# same on your machine:
#   bash .grader/ci.sh install   install what the grader needs (numpy, hypothesis, ...) with pip
#   bash .grader/ci.sh check     run the public checks on $SUBMISSION; exit 1 below $FAIL_UNDER percent
# In GitHub Actions (GITHUB_STEP_SUMMARY is set) the report also goes to the job's summary, and each problem
# becomes an annotation on the line of your file it is about.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
SUBMISSION="${SUBMISSION:-{{submission}}}"
FAIL_UNDER="${FAIL_UNDER:-{{fail_under}}}"

case "${1:-check}" in
  install)
    "$PYTHON" -m pip install --disable-pip-version-check --quiet -r "$root/.grader/requirements.txt"
    ;;
  check)
    github=()
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then github=(--github); fi
    # The grader runs from its own folder, so that no file of the repository can stand in for one of its modules.
    cd "$root/.grader"
    exec "$PYTHON" -m grader grade "$root/$SUBMISSION" --public --out "$root/.grader-report" \
      --fail-under "$FAIL_UNDER" ${github[@]+"${github[@]}"}  # (macOS's bash 3 calls an empty array unbound)
    ;;
  *)
    echo "usage: bash .grader/ci.sh install|check" >&2
    exit 2
    ;;
esac
