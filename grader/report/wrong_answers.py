"""Wrong answers that several students share, from the instructor-only `answer` of the failed checks.

For each check, the students whose wrong answers have the same fingerprint (the same outputs on the same inputs,
grader/checks/wrong_answer.py) form a group; two fingerprints of the same inputs whose probes are as close as
answers equal at the tolerance can be are merged first (`close`). On the class page a function lists its groups of
two or more, largest first; a group that another check of the same function finds again, among the same students
or some of them, is listed once, with the other checks beside it. The same grouping counts the distinct problems
of each check (a failure without a fingerprint is its own message) for the page's "most common problem" column.
"""
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Group:
    """Students with the same wrong answer on one check (`check`): their names, one of their check records."""

    check: str
    function: str
    members: list
    record: dict
    also: list = field(default_factory=list)  # [(another check of the function, students of this group there)]

    @property
    def summary(self):
        """What differs, on one line (the message's first difference)."""
        return summary(self.record["message"])

    @property
    def mistakes(self):
        """The known mistakes the group's answer matched (the same answer matches the same variants)."""
        return list(self.record.get("diagnoses") or [])


def close(a, b):
    """True when two answers on the same inputs may be equal at the tolerance: each probe differs by no more than
    the bound that equal answers' probes keep to (a necessary condition, so float noise never splits a group)."""
    if a["case"] != b["case"] or a.get("shapes") != b.get("shapes") or len(a["probe"]) != len(b["probe"]):
        return False
    bound = a["scale"][0] + max(a["scale"][1], b["scale"][1])
    return all(abs(x - y) <= bound * (1 + 1e-9) for x, y in zip(a["probe"], b["probe"]))


def by_check(reports):
    """{check id: [Group]} of every check's wrong answers, largest group first (groups of one included)."""
    found = {}
    for report in reports:
        for check in report["checks"]:
            if check["status"] == "failed" and check.get("answer"):
                found.setdefault(check["id"], []).append((report["submission"], check))
    return {check_id: _merge(check_id, records) for check_id, records in found.items()}


def _merge(check_id, records):
    exact = {}
    for name, check in records:
        exact.setdefault(check["answer"]["fingerprint"], []).append((name, check))
    groups = []
    for members in sorted(exact.values(), key=lambda m: (-len(m), m[0][0])):
        answer = members[0][1]["answer"]
        near = next((g for g in groups if close(g.record["answer"], answer)), None)
        if near is None:
            groups.append(Group(check_id, members[0][1]["function"], [], members[0][1]))
            near = groups[-1]
        near.members += [name for name, _ in members]
    for group in groups:
        group.members.sort()
    return sorted(groups, key=lambda g: (-len(g.members), g.members[0]))


def shared(reports):
    """{function: [Group]} of the wrong answers two or more students share, largest first, each listed once."""
    order = list(dict.fromkeys(c["id"] for r in reports for c in r["checks"]))
    checks = by_check(reports)
    listed = {}
    for check_id in order:
        for group in checks.get(check_id, []):
            if len(group.members) < 2:
                continue
            mine = listed.setdefault(group.function, [])
            within = next((g for g in mine if set(group.members) <= set(g.members)), None)
            if within is None:
                mine.append(group)
            else:
                within.also.append((check_id, len(group.members)))
    return {function: sorted(groups, key=lambda g: -len(g.members)) for function, groups in listed.items()}


def problems(reports):
    """{check id: (what the most common problem says, students with it, distinct problems)} over the checks that
    failed, errors and timeouts included: one wrong answer is one problem, whatever its message's first line."""
    answers = {}
    for check_id, groups in by_check(reports).items():
        for group in groups:
            for name in group.members:
                answers[(check_id, name)] = group
    counts, labels = {}, {}
    for report in reports:
        for check in report["checks"]:
            if check["status"] in ("passed", "skipped") or not check["message"]:
                continue
            group = answers.get((check["id"], report["submission"]))
            key = ("answer", id(group)) if group else ("message", check["message"])
            counts.setdefault(check["id"], Counter())[key] += 1
            labels.setdefault(key, summary(check["message"]))
    return {check_id: (labels[c.most_common(1)[0][0]], c.most_common(1)[0][1], len(c)) for check_id, c in
            counts.items()}


def summary(message, longest=200):
    """The lines of a failure message that say what differs: the first that is not a heading ending in ':' nor a
    diagnosis or a hint, and the first difference ("first at ..."), on one line."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    said = [line for line in lines if not line.endswith(":") and not line.startswith(("your ", "hint", "it matches"))]
    first = next((line for line in said if line.startswith("first at ")), None)
    chosen = said[:1] + ([first] if first and first not in said[:1] else [])
    text = "; ".join(chosen) or (lines[0] if lines else "")
    return text if len(text) <= longest else text[:longest - 3] + "..."
