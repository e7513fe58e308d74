"""Naming the mistake: every entry of the RNN catalogue is diagnosed in a submission that makes it, written the
way a student writes it (submissions/correct.py with that mistake put in), and a correct answer never is.

A submission carries at most one mistake per function. Each function is graded with the reference in place of the
graded functions it calls, so its mistake costs points and gets a diagnosis in that function alone; grading ten
such submissions instead of fifty-one keeps this file fast.
"""
import json
import re

import jsonschema
import numpy as np
import pytest
from conftest import CORRECT, FAST, ROOT, by_function, full_marks

from grader import report
from grader.checks.diagnose import Catalogue, diagnose
from grader.grade import grade
from grader.report import SCHEMA

TANH_C = "(1 - np.square(np.tanh(c_next)))"
MODULE = "<module>"  # a replacement whose text goes at the end of the module, outside the function
# What a notebook's globals hold after the handout's lstm_forward test cell ran (seed 002).
NOTEBOOK_GLOBALS = """
np.random.seed(1)
x_cell, a0_cell = np.random.randn(3, 10, 7), np.random.randn(5, 10)
Wf, bf, Wi, bi = np.random.randn(5, 8), np.random.randn(5, 1), np.random.randn(5, 8), np.random.randn(5, 1)
Wo, bo, Wc, bc = np.random.randn(5, 8), np.random.randn(5, 1), np.random.randn(5, 8), np.random.randn(5, 1)
"""

# (mistake id, [(text in the function of that name in correct.py, replacement: every occurrence there)]).
INJECTED = {
    "rnn_cell_forward.bias_left_out": [("np.dot(Wax, xt) + ba)", "np.dot(Wax, xt))")],
    "rnn_cell_forward.sigmoid_instead_of_tanh": [("a_next = np.tanh(", "a_next = sigmoid(")],
    "rnn_cell_forward.waa_transposed": [("np.dot(Waa, a_prev)", "np.dot(Waa.T, a_prev)")],
    "rnn_cell_forward.prediction_before_update": [("np.dot(Wya, a_next)", "np.dot(Wya, a_prev)")],
    "rnn_cell_forward.output_bias_left_out": [("np.dot(Wya, a_next) + by)", "np.dot(Wya, a_next))")],
    "rnn_cell_forward.softmax_over_examples": [
        ("yt_pred = softmax(np.dot(Wya, a_next) + by)",
         "e = np.exp(np.dot(Wya, a_next) + by)\n    yt_pred = e / np.sum(e, axis=1, keepdims=True)")],
    "rnn_cell_forward.softmax_over_everything": [
        ("yt_pred = softmax(np.dot(Wya, a_next) + by)", "e = np.exp(np.dot(Wya, a_next) + by)\n    yt_pred = e / e.sum()")],
    "rnn_forward.a0_ignored": [("a_next = a0", "a_next = np.zeros((n_a, m))")],
    "rnn_forward.state_not_carried": [("(x[:, :, t], a_next, parameters)", "(x[:, :, t], a0, parameters)")],
    "rnn_forward.state_stored_before_update": [
        ("a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)\n        a[:, :, t] = a_next",
         "a[:, :, t] = a_next\n        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)")],
    "lstm_cell_forward.concat_order": [("concat[:n_a, :] = a_prev\n    concat[n_a:, :] = xt",
                                        "concat[:n_x, :] = xt\n    concat[n_x:, :] = a_prev")],
    "lstm_cell_forward.forget_gate_left_out": [("c_next = ft * c_prev", "c_next = c_prev")],
    "lstm_cell_forward.c_prev_left_out": [("c_next = ft * c_prev + it * cct", "c_next = it * cct")],
    "lstm_cell_forward.gates_swapped": [("c_next = ft * c_prev + it * cct", "c_next = it * c_prev + ft * cct")],
    "lstm_cell_forward.tanh_of_c_prev": [("ot * np.tanh(c_next)", "ot * np.tanh(c_prev)")],
    "lstm_cell_forward.tanh_of_c_left_out": [("ot * np.tanh(c_next)", "ot * c_next")],
    "lstm_cell_forward.gates_use_tanh": [(f"{g}t = sigmoid(", f"{g}t = np.tanh(") for g in "fio"],
    "lstm_cell_forward.candidate_uses_sigmoid": [("cct = np.tanh(", "cct = sigmoid(")],
    "lstm_cell_forward.update_gate_with_forget_weights": [("np.dot(Wi, concat) + bi", "np.dot(Wf, concat) + bf")],
    "lstm_cell_forward.prediction_before_update": [("np.dot(Wy, a_next)", "np.dot(Wy, a_prev)")],
    "lstm_forward.a0_ignored": [("a_next = a0", "a_next = np.zeros(a0.shape)")],
    "lstm_forward.c0_from_a0": [("c_next = np.zeros(a_next.shape)", "c_next = a0")],
    "lstm_forward.cell_state_not_carried": [("a_next, c_next, parameters)", "a_next, np.zeros(a0.shape), parameters)")],
    "lstm_forward.state_not_carried": [("(x[:, :, t], a_next, c_next,", "(x[:, :, t], a0, c_next,")],
    "rnn_cell_backward.tanh_derivative_left_out": [("dtanh = (1 - a_next ** 2) * da_next", "dtanh = da_next")],
    "rnn_cell_backward.upstream_left_out": [("dtanh = (1 - a_next ** 2) * da_next", "dtanh = 1 - a_next ** 2")],
    "rnn_cell_backward.tanh_applied_twice": [("(1 - a_next ** 2)", "(1 - np.tanh(a_next) ** 2)")],
    "rnn_cell_backward.dba_without_keepdims": [("axis=1, keepdims=True)", "axis=1)")],
    "rnn_cell_backward.dba_wrong_axis": [("axis=1, keepdims=True)", "axis=0, keepdims=True)")],
    "rnn_cell_backward.dba_not_summed": [("dba = np.sum(dtanh, axis=1, keepdims=True)", "dba = dtanh")],
    "rnn_cell_backward.weight_gradients_transposed": [("np.dot(dtanh, xt.T)", "np.dot(xt, dtanh.T)"),
                                                      ("np.dot(dtanh, a_prev.T)", "np.dot(a_prev, dtanh.T)")],
    "rnn_cell_backward.waa_not_transposed": [("np.dot(Waa.T, dtanh)", "np.dot(Waa, dtanh)")],
    "rnn_cell_backward.dwaa_uses_a_next": [("np.dot(dtanh, a_prev.T)", "np.dot(dtanh, a_next.T)")],
    "rnn_backward.no_da_prev_accumulation": [("da[:, :, t] + da_prevt", "da[:, :, t]")],
    "rnn_backward.loop_forward": [("reversed(range(T_x))", "range(T_x)")],
    "rnn_backward.loop_skips_first_step": [("reversed(range(T_x))", "range(T_x - 1, 0, -1)")],
    "rnn_backward.upstream_not_added": [("da_prevt = np.zeros((n_a, m))", "da_prevt = da[:, :, T_x - 1]"),
                                        ("da[:, :, t] + da_prevt", "da_prevt")],
    "rnn_backward.weight_gradients_overwritten": [(f"{g} += {g}t", f"{g} = {g}t") for g in ("dWax", "dWaa", "dba")],
    "lstm_cell_backward.dc_prev_without_da_path": [(f"dc_prev = dc_next * ft + ot * {TANH_C} * ft * da_next",
                                                    "dc_prev = dc_next * ft")],
    "lstm_cell_backward.dc_prev_without_dc_next": [("dc_prev = dc_next * ft + ", "dc_prev = ")],
    "lstm_cell_backward.dc_without_da_path": [(f" + ot * {TANH_C} * {v} * da_next", "")
                                              for v in ("it", "cct", "c_prev", "ft")],
    "lstm_cell_backward.tanh_of_c_prev": [("np.tanh(c_next)", "np.tanh(c_prev)")],
    "lstm_cell_backward.gate_derivatives_left_out": [(" * ot * (1 - ot)", ""), (" * (1 - np.square(cct))", ""),
                                                     (" * it * (1 - it)", ""), (" * ft * (1 - ft)", "")],
    "lstm_cell_backward.activations_as_pre_activations": [
        ("ot * (1 - ot)", "sigmoid(ot) * (1 - sigmoid(ot))"), ("np.square(cct)", "np.square(np.tanh(cct))"),
        ("it * (1 - it)", "sigmoid(it) * (1 - sigmoid(it))"), ("ft * (1 - ft)", "sigmoid(ft) * (1 - sigmoid(ft))")],
    "lstm_cell_backward.bias_gradients_without_keepdims": [("axis=1, keepdims=True)", "axis=1)")],
    "lstm_cell_backward.weight_gradients_transposed": [(f"np.dot({d}, concat.T)", f"np.dot(concat, {d}.T)")
                                                       for d in ("dft", "dit", "dcct", "dot")],
    "lstm_cell_backward.concat_order": [("np.concatenate((a_prev, xt)", "np.concatenate((xt, a_prev)")],
    "lstm_backward.no_da_prev_accumulation": [("da[:, :, t] + da_prevt", "da[:, :, t]")],
    "lstm_backward.loop_forward": [("reversed(range(T_x))", "range(T_x)")],
    "lstm_backward.upstream_not_added": [("da_prevt = np.zeros((n_a, m))", "da_prevt = da[:, :, T_x - 1]"),
                                         ("da[:, :, t] + da_prevt", "da_prevt")],
    "lstm_backward.weight_gradients_overwritten": [("grads[k] += g[k]", "grads[k] = g[k]")],
    "lstm_backward.dc_prev_not_carried": [('dc_prevt = g["dc_prev"]', "dc_prevt = np.zeros((n_a, m))")],
    "lstm_backward.prev_gradients_not_carried": [('da_prevt = g["da_prev"]', "pass"), ('dc_prevt = g["dc_prev"]', "pass"),
                                                 ('grads["da0"] = da_prevt', 'grads["da0"] = g["da_prev"]')],
    "lstm_backward.loop_skips_first_step": [("reversed(range(T_x))", "range(T_x - 1, 0, -1)")],
    "lstm_cell_backward.weight_gradients_for_weights": [(f'parameters["W{g}"][', f"dW{g}[") for g in "fico"],
    "lstm_cell_backward.weights_from_notebook_globals": [(f'parameters["W{g}"][', f"W{g}[") for g in "fico"]
    + [(MODULE, NOTEBOOK_GLOBALS)],
    "lstm_forward.c_aliases_a": [("c = np.zeros((n_a, m, T_x))", "c = a")],
}

# The notebook's globals have the handout's sizes: on other sizes, that mistake raises instead.
HANDOUT_SIZES_ONLY = {"lstm_cell_backward.weights_from_notebook_globals"}
DIAGNOSED_CHECKS = ("structure", "public", "hidden_values", "hidden_shapes", "properties", "gradcheck")


def inject(source, mistake):
    """`source` with the mistake put into its function: every pair replaced inside that function's body only."""
    function = mistake.split(".")[0]
    start = source.index(f"\ndef {function}(")
    end = source.find("\ndef ", start + 1)
    end = len(source) if end < 0 else end
    body = source[start:end]
    added = ""
    for old, new in INJECTED[mistake]:
        if old == MODULE:
            added += new
            continue
        assert old in body, f"{old!r} is not in {function} of the correct submission"
        body = body.replace(old, new)
    return source[:start] + body + source[end:] + added


def _groups():
    """Submissions of at most one mistake per function: the k-th mistake of every function goes in group k."""
    by_function = {}
    for mistake in INJECTED:
        by_function.setdefault(mistake.split(".")[0], []).append(mistake)
    count = max(len(ids) for ids in by_function.values())
    return [[ids[k] for ids in by_function.values() if k < len(ids)] for k in range(count)]


def test_every_mistake_in_the_catalogue_has_a_submission_that_makes_it(rnn):
    assert set(INJECTED) == set(rnn.package.mistakes.catalogue.mistakes)


@pytest.mark.parametrize("group", _groups(), ids=lambda g: f"{len(g)}-mistakes")
def test_each_mistake_is_diagnosed_in_its_own_function_only(tmp_path, rnn, group):
    source = CORRECT
    for mistake in group:
        source = inject(source, mistake)
    path = tmp_path / "student.py"
    path.write_text(source)
    document = report.build(grade(path, rnn, FAST), rnn, FAST)
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    wrong = {mistake.split(".")[0]: mistake for mistake in group}
    catalogue = rnn.package.mistakes.catalogue
    for check in document["checks"]:
        function, kind = check["function"], check["id"].rsplit(".", 1)[-1]
        if function not in wrong:
            assert check["status"] == "passed" and not check["diagnoses"], check
        elif check["status"] == "failed" and kind in DIAGNOSED_CHECKS and (
                wrong[function] not in HANDOUT_SIZES_ONLY or kind in ("public", "hidden_values")):
            assert wrong[function] in check["diagnoses"], check
            assert catalogue.mistakes[wrong[function]].when in check["message"], check["message"]
    for function, mistake in wrong.items():
        public = next(c for c in document["checks"] if c["id"] == f"{function}.public")
        assert public["diagnoses"] == [mistake], public["message"]  # the handout's case tells each one apart
        assert by_function(document)[function] < full_marks(document)[function]


def test_the_terminal_says_a_diagnosis_once_for_the_checks_it_explains(grade_source):
    """A mistake diagnosed on every check of its function is one line on the terminal, naming those checks;
    report.json and report.md keep each check's message."""
    from grader.report import markdown, terminal
    document = grade_source(inject(CORRECT, "lstm_backward.prev_gradients_not_carried"))
    failed = [c for c in document["checks"] if c["function"] == "lstm_backward" and c["status"] == "failed"]
    said = {terminal._summary(c["message"]) for c in failed}
    assert len(failed) >= 3 and len(said) < len(failed)
    shown = terminal.render(document).splitlines()
    for summary in said:
        lines = [line for line in shown if line.endswith(summary)]
        kinds = [c["id"].split(".", 1)[1] for c in failed if terminal._summary(c["message"]) == summary]
        assert len(lines) == 1 and lines[0].strip().startswith(", ".join(kinds) + ": "), (lines, kinds)
    assert sum(markdown.render(document).count(c["id"]) > 0 for c in failed) == len(failed)


def test_the_correct_submission_is_never_diagnosed(grade_source):
    document = grade_source(CORRECT)
    assert all(c["status"] == "passed" and c["diagnoses"] == [] for c in document["checks"])


def test_a_mistake_the_catalogue_does_not_know_is_said_to_match_none(grade_source):
    source = CORRECT.replace("a_next = np.tanh(np.dot(Waa, a_prev)", "a_next = np.tanh(2 * np.dot(Waa, a_prev)")
    document = grade_source(source)
    public = next(c for c in document["checks"] if c["id"] == "rnn_cell_forward.public")
    assert public["status"] == "failed" and public["diagnoses"] == []
    assert public["message"].splitlines()[0] == "on the handout's rnn_cell_forward cell (seed 1):"
    assert public["message"].splitlines()[-1] == "it matches none of the known mistakes of rnn_cell_forward"


def test_diagnosis_can_be_turned_off(tmp_path, rnn):
    path = tmp_path / "student.py"
    path.write_text(inject(CORRECT, "rnn_cell_forward.bias_left_out"))
    graded = grade(path, rnn, FAST, diagnose=False)
    public = next(r for r in graded.results if r.id == "rnn_cell_forward.public")
    assert public.status == "failed" and public.diagnoses == []
    assert "known mistake" not in public.message and "hint" not in public.message


# The example submissions that `make grade` shows: each makes one mistake, named in its first comment line.
EXAMPLES = sorted((ROOT / "submissions").glob("mistake_*.py"))


def test_there_are_example_submissions_with_typical_mistakes():
    assert 4 <= len(EXAMPLES) <= 6


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_an_example_mistake_costs_points_only_in_its_function_and_is_named(rnn, path):
    mistake = re.search(r"known mistake `([\w.]+)`", path.read_text().splitlines()[0]).group(1)
    function = mistake.split(".")[0]
    document = report.build(grade(path, rnn, FAST), rnn, FAST)
    assert {f for f, score in by_function(document).items() if score < full_marks(document)[f]} == {function}
    public = next(c for c in document["checks"] if c["id"] == f"{function}.public")
    assert public["diagnoses"] == [mistake]
    assert public["message"].splitlines()[-1].startswith("hint: ")


# The engine alone, on a catalogue made up here: what a diagnosis says when one, two or no variants match.
def _toy():
    toy = Catalogue()
    toy.mistake("double", "added", "x is added to itself", "look at the plus")(lambda x: x + x)
    toy.mistake("double", "multiplied", "x is multiplied by two", "look at the times")(lambda x: 2 * x)
    toy.mistake("double", "squared", "x is squared", "look at the power")(lambda x: x**2)
    toy.mistake("double", "broken", "the variant can't run here", "never shown")(lambda x: x.reshape(7))
    return toy


def _same(got):
    return lambda answer: np.allclose(answer, got)


def test_two_variants_that_give_the_same_answer_are_both_named():
    x = np.array([1.0, 3.0])
    found = diagnose(_toy(), "double", (x,), ["y"], _same(2 * x))
    assert found.ids == ["double.added", "double.multiplied"] and found.tried == 4
    lines = str(found.explain("y differs")).splitlines()
    assert lines[0] == ("your y matches what double returns when x is added to itself or when x is multiplied by"
                        " two (these inputs can't tell the 2 apart)")
    assert lines[1:] == ["y differs", "hint, if x is added to itself: look at the plus",
                         "hint, if x is multiplied by two: look at the times"]


def test_one_variant_is_named_with_its_hint_and_none_is_said_plainly():
    x = np.array([1.0, 3.0])
    one = diagnose(_toy(), "double", (x,), ["y", "z"], _same(x**2)).explain("y differs")
    assert str(one).splitlines() == ["your y and z match what double returns when x is squared", "y differs",
                                     "hint: look at the power"]
    assert one.diagnoses == ["double.squared"]
    none = diagnose(_toy(), "double", (x,), ["y"], _same(x + 1)).explain("y differs")
    assert str(none).splitlines() == ["y differs", "it matches none of the known mistakes of double"]
    assert none.diagnoses == []


def test_nothing_is_said_without_a_catalogue_or_without_a_differing_value():
    x = np.array([1.0])
    assert str(diagnose(None, "double", (x,), ["y"], _same(x)).explain("y differs")) == "y differs"
    assert str(diagnose(_toy(), "double", (x,), [], _same(2 * x)).explain("cache differs")) == "cache differs"
    assert str(diagnose(_toy(), "other", (x,), ["y"], _same(2 * x)).explain("y differs")) == "y differs"


def test_a_variant_never_changes_the_inputs_the_check_goes_on_with():
    toy = Catalogue()
    toy.mistake("f", "in_place", "x is changed in place", "copy it")(lambda x: x.__imul__(3))
    x = np.array([1.0, 2.0])
    assert diagnose(toy, "f", (x,), ["y"], _same(np.array([3.0, 6.0]))).ids == ["f.in_place"]
    assert x.tolist() == [1.0, 2.0]


# `python -m grader mistakes`: every variant of both catalogues is told apart on its public case.
def test_every_variant_gives_its_own_answer_on_the_public_case():
    from grader import assignment
    from grader.catalogue.variants import check_catalogue
    for name in ("rnn", "rnn_layers"):
        chosen = assignment.find(name)
        assert check_catalogue(chosen, chosen.package.mistakes.catalogue) == [], name


def test_a_variant_the_public_case_cannot_tell_apart_is_reported(rnn):
    from grader.catalogue.variants import check_catalogue
    solution = rnn.package.solution
    toy = Catalogue()
    toy.mistake("rnn_cell_forward", "same_as_reference", "nothing is wrong", "-")(solution.rnn_cell_forward)
    toy.mistake("rnn_cell_forward", "doubled", "xt is doubled", "-")(lambda xt, a, p: solution.rnn_cell_forward(2 * xt, a, p))
    toy.mistake("rnn_cell_forward", "twice", "xt is added to itself", "-")(lambda xt, a, p: solution.rnn_cell_forward(xt + xt, a, p))
    toy.mistake("rnn_cell_forward", "broken", "it can't run", "-")(lambda xt, a, p: xt.reshape(7, 7, 7))
    assert check_catalogue(rnn, toy) == [
        "rnn_cell_forward.broken raises ValueError on the public case: cannot reshape array of size 30 into shape"
        " (7,7,7)",
        "rnn_cell_forward.same_as_reference gives the reference's answer on the public case",
        "rnn_cell_forward.doubled and rnn_cell_forward.twice give the same answer on the public case"]
