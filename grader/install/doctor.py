"""`grader doctor`: what this machine can do and what it lacks, on one screen, each missing piece with its fix.

Exit status 0 when grading works here (Python, the core packages, a course whose fixtures match their manifest),
1 otherwise. The sandbox's isolation, the extras and Chromium are reported but do not fail it: without bubblewrap
the grader still grades, under process-level limits, and says so in every report.
"""
import json
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

from ..errors import UsageError
from . import course, extras

OK, LACKS = "ok", "MISSING"


def run(scheduler=None, only=None):
    lines, failed = [], []
    for check in (_python, _packages, _extras, _sandbox, _browser):
        found, fatal = check()
        lines += found
        failed += fatal
    found, fatal = _course(only)
    lines += found
    failed += fatal
    if scheduler:
        found, fatal = _cluster(scheduler, only)
        lines += found
        failed += fatal
    print("\n".join(lines))
    print(f"\ngrading works here{' (and on the cluster)' if scheduler else ''}" if not failed else
          f"\ngrading does not work here: {'; '.join(failed)}")
    return 1 if failed else 0


def _requirements():
    """{name: requirement} of the core, from the installed package's metadata (or pyproject.toml in a checkout)."""
    try:
        listed = metadata.requires(extras.package()) or []
    except metadata.PackageNotFoundError:
        import tomllib
        with open(course.CHECKOUT / "pyproject.toml", "rb") as f:
            listed = tomllib.load(f)["project"]["dependencies"]
    return {re.split(r"[<>=!~;\[ ]", r.strip(), maxsplit=1)[0].lower(): r for r in listed if "extra ==" not in r}


def _at_least(version, requirement):
    """True when `version` meets the requirement's `>=` bound (numeric parts compared; no bound: True)."""
    bound = re.search(r">=\s*([0-9][0-9.]*)", requirement)
    numbers = lambda text: tuple(int(p) for p in re.findall(r"\d+", text)[:3])  # noqa: E731
    return bound is None or numbers(version) >= numbers(bound.group(1))


def _python():
    from .. import report
    from ..batch.preflight import code_hash
    here = ".".join(map(str, sys.version_info[:3]))
    fine = sys.version_info >= (3, 11, 4)
    return ([f"grader {report.GRADER_VERSION} (code {code_hash()[:12]}) in {Path(__file__).parents[1]}",
             f"python {here} ({sys.executable}): {OK if fine else LACKS + ', needs 3.11.4 or newer'}"],
            [] if fine else ["Python 3.11.4 or newer"])


def _packages():
    lines, fatal = [], []
    for name, requirement in _requirements().items():
        need = requirement[len(name):].strip() or "any version"
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = None
        if version is not None and _at_least(version, requirement):
            lines.append(f"{name} {version}")
            continue
        lines.append(f"{name} {version or 'not installed'}: {LACKS} {need} (pip install \"{requirement}\")")
        fatal.append(f"{name} {need}")
    return ["packages: " + ", ".join(lines)], fatal


def _extras():
    said = [f"{extra}: {OK}" if extras.installed(extra) else f"{extra}: no ({extras.install_hint(extra)})"
            for extra in extras.EXTRAS]
    return ["extras: " + ", ".join(said)], []


def _sandbox():
    from ..batch.preflight import isolation
    kind, why = isolation()
    if kind == "bubblewrap":
        return ["sandbox: bubblewrap starts here (user namespaces work): student code runs isolated"], []
    return [f"sandbox: process-level limits only: {why}; Debian/Ubuntu: apt-get install bubblewrap, and allow"
            " unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)"], []


def _browser():
    found = {name: shutil.which(name) for name in ("chromium", "chromedriver")}
    if all(found.values()):
        return [f"tests: chromium {found['chromium']}, chromedriver {found['chromedriver']}"], []
    missing = ", ".join(name for name, path in found.items() if not path)
    return [f"tests: no {missing}: the browser tests skip (`make chromium`, or apt-get install chromium"
            " chromium-driver)"], []


def _course(only):
    try:
        root = course.root()
    except UsageError as exc:
        return [f"course: {LACKS}: {exc}"], ["no course here"]
    from .. import assignment as assignments
    names = [only] if only else assignments.names()
    lines, fatal = [f"course: {root}"], []
    for name in names:
        try:
            chosen = assignments.find(name)
        except UsageError as exc:
            lines.append(f"  {name}: {LACKS}: {exc}")
            fatal.append(f"assignment {name!r} does not load")
            continue
        state = fixtures_state(chosen)
        lines.append(f"  {name}: {state or 'fixtures match their manifest (`make check-fixtures` regenerates them)'}")
        if state:
            fatal.append(f"the fixtures of {name!r}")
    return lines, fatal


def fixtures_state(chosen):
    """None when every fixture the manifest lists is on disk with the arrays it records; else what is wrong."""
    from .. import fixtures
    manifest = chosen.fixtures / fixtures.MANIFEST
    if not manifest.is_file():
        return f"{LACKS}: no {manifest}: run `make fixtures`"
    listed = json.loads(manifest.read_text())["files"]
    wrong = []
    for relative, info in listed.items():
        path = chosen.fixtures / relative
        if not path.is_file():
            wrong.append(f"{relative} is missing")
            continue
        record = json.loads(path.read_text())
        arrays = fixtures.array_hashes({"args": tuple(fixtures.from_json(record["args"])),
                                        "expected": fixtures.from_json(record["expected"])})
        if arrays != info["arrays"]:
            wrong.append(f"{relative} differs from the manifest")
    if wrong:
        return f"{LACKS}: {len(wrong)} of {len(listed)} fixtures wrong ({wrong[0]}, ...): run `make fixtures`"
    return None


def _cluster(scheduler, only):
    """Each worker's view, as grade-all's pre-flight check sees it."""
    if not extras.installed("cluster"):
        return [f"cluster: {LACKS}: {extras.install_hint('cluster')}"], ["the cluster extra"]
    from .. import assignment as assignments
    from ..batch import cluster, preflight
    try:
        client = cluster.connect(scheduler)
    except UsageError as exc:
        return [f"cluster: {exc}"], ["the scheduler does not answer"]
    try:
        chosen = assignments.find(only or assignments.names()[0])
        good, problems = preflight.check(client, preflight.expected(chosen, False), scheduler)
        lines = [f"cluster: {scheduler}: {len(good) + len(problems)} worker(s), checked for {chosen.name!r}"]
        for address, facts in sorted(good.items()):
            lines.append(f"  {address}: {OK} (grader {facts['version']}, same code and fixtures, {facts['isolation']}"
                         f" isolation, on {facts['host']})")
        lines += [f"  {line}" for line in problems]
        fatal = ["a Dask worker differs"] if problems else [] if good else ["the scheduler has no worker"]
        return lines, fatal
    finally:
        client.close()
