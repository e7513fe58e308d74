"""A JUnit XML file (the format CI systems read), from a report dictionary.

One <testsuite> per submission and one <testcase> per check: classname `<assignment>.<function>`, name the
check's kind. A wrong answer is a <failure>, code that raised or hung an <error>, a check that did not run
<skipped>. Scores go into <properties>. What the submission printed goes into <system-out> and <system-err>.
"""
import re
import xml.etree.ElementTree as ET

# XML 1.0 can't hold most control characters, and students' output and messages may contain anything.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text):
    return _NOT_XML.sub("\ufffd", str(text))


def render(report):
    """The XML text of one report."""
    checks = report["checks"]
    counts = {status: sum(c["status"] == status for c in checks) for status in ("failed", "error", "timeout", "skipped")}
    manual = report.get("manual", {}).get("items", [])  # items people grade: pending is skipped, below full failed
    counts["skipped"] += sum(i["status"] == "pending" for i in manual)
    counts["failed"] += sum(i["status"] == "graded" and i["points"] < i["max_points"] for i in manual)
    tests = str(len(checks) + len(manual))
    seconds = report.get("seconds", sum(c["seconds"] for c in checks))
    suites = ET.Element("testsuites", name=clean(report["assignment"]), tests=tests,
                        failures=str(counts["failed"]), errors=str(counts["error"] + counts["timeout"]),
                        skipped=str(counts["skipped"]), time=f"{seconds:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=clean(f"{report['assignment']}.{report['submission']}"),
                          tests=tests, failures=str(counts["failed"]),
                          errors=str(counts["error"] + counts["timeout"]), skipped=str(counts["skipped"]),
                          time=f"{seconds:.3f}")
    properties = ET.SubElement(suite, "properties")
    for name in ("score", "max_score", "extra_credit_max", "loaded", "grader_version"):
        if name in report:
            ET.SubElement(properties, "property", name=name, value=clean(report[name]))
    for name in ("score", "max_score", "pending"):  # with the items people grade
        if "total" in report:
            ET.SubElement(properties, "property", name=f"total_{name}", value=f"{report['total'][name]:g}")
    for check in checks:
        _testcase(suite, report["assignment"], check)
    for item in report.get("manual", {}).get("items", []):
        _manual_testcase(suite, report["assignment"], item)
    ET.SubElement(suite, "system-out").text = clean(report["output"]["stdout"])
    ET.SubElement(suite, "system-err").text = clean(report["output"]["stderr"])
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _testcase(suite, assignment, check):
    function, kind = check["id"].rsplit(".", 1) if "." in check["id"] else (check["id"], check["id"])
    case = ET.SubElement(suite, "testcase", classname=clean(f"{assignment}.{function}"), name=clean(kind),
                         time=f"{check['seconds']:.3f}")
    status, message = check["status"], clean(check["message"])
    summary = message.splitlines()[0][:200] if message else status  # the element's text has it all
    if status == "failed":
        ET.SubElement(case, "failure", message=summary, type="WrongAnswer").text = message
    elif status in ("error", "timeout"):
        ET.SubElement(case, "error", message=summary, type="Timeout" if status == "timeout" else "Error").text = message
    elif status == "skipped":
        ET.SubElement(case, "skipped", message=summary)
    points = f"{check['points']:g} / {check['max_points']:g} points" + (" (extra credit)" if check["optional"] else "")
    ET.SubElement(case, "system-out").text = clean(f"{check['description']}: {points}")


def _manual_testcase(suite, assignment, item):
    """An item people grade: skipped while pending (not a failure), a failure below full points once graded."""
    case = ET.SubElement(suite, "testcase", classname=clean(f"{assignment}.manual"), name=clean(item["id"]),
                         time="0.000")
    if item["status"] == "pending":
        ET.SubElement(case, "skipped", message="pending: graded by a person, not yet")
        return
    points = f"{item['points']:g} / {item['max_points']:g} points, graded by {item.get('grader') or 'someone'}"
    if item["points"] < item["max_points"]:
        ET.SubElement(case, "failure", message=clean(points), type="ManualGrade").text = clean(item.get("comment", ""))
    ET.SubElement(case, "system-out").text = clean(f"{item['title']}: {points}")
