"""The development set's labelling rule (benchmarks/similarity_class.py): which functions two public originals are
labelled as having copied from one another. A long function held near verbatim (its code and its text as written the
same but for a line or two) is a copy; the class's common way, or code alike only once names are changed, is not."""
import ast
import random

from benchmarks import similarity_class as labelling
from benchmarks import similarity_quality as quality
from similarity_classmates import classmates

GATES = ["f", "i", "o", "c"]


def long_function(spacing=""):
    """A backward pass of 24 lines of the student's own, as the check reads it and as written."""
    code = ["def step(d, cache):", "    (a, c, ft, it, ot, x, p) = cache"]
    for gate in GATES:
        code += [f"    d{gate}t = d * np.tanh(c) * {gate}t * (1 - {gate}t)",
                 f"    dW{gate} = np.dot(d{gate}t, np.concatenate((a, x), axis=0).T)",
                 f"    db{gate} = np.sum(d{gate}t, axis=1, keepdims=True)",
                 f"    da{gate} = np.dot(p['W{gate}'][:, :8].T, d{gate}t)",
                 f"    dx{gate} = np.dot(p['W{gate}'][:, 8:].T, d{gate}t)",
                 f"    g{gate} = {{'dW{gate}': dW{gate}, 'db{gate}': db{gate}}}"]
    code.append("    return (dWf, dbf)")
    written = [line.strip().replace(", ", "," + spacing) for line in code[1:-1]]
    return "\n".join(code), written


def renamed(code):
    return code.replace("dft", "q_forget").replace("dWf", "Wforget")


def check(codes, written, long_enough=True):
    names = sorted(codes)
    prints = {n: {"step": set(range(80 if long_enough else 40))} for n in names}
    return {(a, b) for a, b, _ in labelling.near(codes, names, prints, written)}


def test_a_long_function_held_near_verbatim_is_a_copy_and_not_when_the_class_writes_it_so():
    code, written = long_function()
    twice = code.replace("    return", "    gf = {'dWf': dWf, 'dbf': dbf}\n    return")  # a line written twice
    codes = {"source": {"step": code}, "reupload": {"step": twice}}
    texts = {"source": {"step": written}, "reupload": {"step": written + [written[-1]]}}
    assert check(codes, texts) == {("reupload", "source")}
    assert check(codes, texts, long_enough=False) == set()  # a short function alike can be chance
    # Little text of their own in common (the rest is what a fifth of the class writes): the obvious way.
    few = {n: {"step": lines[:labelling.NEAR_TEXT - 1]} for n, lines in (("source", written), ("reupload", written))}
    assert check(codes, few) == set()
    enough = {n: {"step": lines[:labelling.NEAR_TEXT]} for n, lines in (("source", written), ("reupload", written))}
    assert check(codes, enough) == {("reupload", "source")}

    # Written with other spacing on every line: the same code, not the same text.
    other_text = {**texts, "reupload": {"step": long_function(spacing="  ")[1]}}
    assert check(codes, other_text) == set()

    # A third student writes it that near with other names: the way it is done, not one source.
    codes_renamed = {**codes, "third": {"step": renamed(code)}}
    assert check(codes_renamed, {**texts, "third": {"step": written}}) == set()

    # Five originals that near, names and all: the class's common way (NEAR_GROUP is four).
    five = {f"s{i}": {"step": code} for i in range(labelling.NEAR_GROUP + 1)}
    assert check(five, {n: {"step": written} for n in five}) == set()
    four = {f"s{i}": {"step": code} for i in range(labelling.NEAR_GROUP)}
    assert len(check(four, {n: {"step": written} for n in four})) == 6


def test_three_lines_changed_are_not_near_verbatim():
    code, written = long_function()
    edited = code.replace("dot = ", "dot  = ").replace("dbf = np.sum(dft, axis=1, keepdims=True)", "dbf = dft.sum(1)")
    edited = edited.replace("dbi = np.sum(dit, axis=1, keepdims=True)", "dbi = dit.sum(1)")
    edited = edited.replace("dbo = np.sum(dot, axis=1, keepdims=True)", "dbo = dot.sum(1)")
    codes = {"a": {"step": code}, "b": {"step": edited}}
    assert check(codes, {"a": {"step": written}, "b": {"step": written}}) == set()


def test_a_group_holding_one_source_shares_its_origin_whatever_order_the_pairs_come_in():
    solved = {n: {"step", "other"} for n in "abcd"}
    origin = labelling._origin(solved, [("a", "c", "step"), ("b", "c", "step"), ("b", "d", "step")], [], {})
    assert {origin[n]["step"] for n in "abcd"} == {"a"}
    assert origin["d"]["other"] == "d"
    labels = labelling._labels(origin)
    assert labels[("a", "d")] == "partial:step" and len(labels) == 6


def test_a_function_pasted_from_a_file_that_left_it_the_template_is_no_ones_copy():
    owned = {"donor": {"kept"}, "recipient": {"step", "other"}}  # the donor's `step` is the template
    pasted = [{"recipient": "recipient", "donor": "donor", "functions": ["step", "kept"]}]
    origin = labelling._origin(owned, [], pasted, {})
    assert origin["recipient"] == {"other": "recipient", "kept": "donor"}
    assert labelling._labels(origin) == {("donor", "recipient"): "partial:kept"}
    pasted[0]["functions"] = ["step"]
    assert labelling._labels(labelling._origin(owned, [], pasted, {})) == {}


def test_every_paste_is_still_in_both_files_at_the_end_and_labelled_with_all_it_pasted(tmp_path):
    """A later paste overwrites none: a donor that then received its own functions' code from a third would leave
    the recipient with code no one else has, recorded as pasted from it (made.json, the made copies' view)."""
    functions = ["f", "g", "h"]
    for student in range(5):  # each function of each student its own constant: a paste shows in the code's shape
        (tmp_path / f"s{student}.py").write_text("".join(f"def {f}(x):\n    return x * {student} + {i}\n\n\n"
                                                         for i, f in enumerate(functions)))

    def shape(doc, function):
        return labelling._shape(ast.unparse(doc.functions({function})[function][1]))

    for seed in range(20):
        docs = {path.stem: labelling.Doc(path) for path in sorted(tmp_path.glob("*.py"))}
        solved = {name: set(functions) for name in docs}
        pasted = labelling._paste_some(docs, sorted(docs), solved, random.Random(seed), 2)
        labels = labelling._labels(labelling._origin(solved, [], pasted, {}))
        for done in pasted:
            assert labels.get(tuple(sorted((done["donor"], done["recipient"])))) in (
                "copy", f"partial:{','.join(sorted(done['functions']))}")
            for function in done["functions"]:
                assert shape(docs[done["donor"]], function) == shape(docs[done["recipient"]], function)


def test_originals_drawn_from_a_dev_set_are_labelled_by_what_the_whole_folder_shows(tmp_path, monkeypatch):
    """Two drawn originals that each hold one source's function through an original not drawn share that code."""
    folder = tmp_path / "rnn"  # a dev set folder is named as its assignment
    folder.mkdir()
    for name, text in classmates(12).items():
        (folder / f"{name}.py").write_text(text)
    kept = {path.stem for path in random.Random(0).sample(sorted(folder.iterdir()), 11)}  # as --originals 11 draws
    link = ({f"student_{i:02d}" for i in range(12)} - kept).pop()
    a, c = sorted(kept)[:2]
    links = [(a, link, "rnn_cell_forward"), (link, c, "rnn_cell_forward")]
    # The labelling rule's pairs (verbatim, near) among the originals it is given.
    monkeypatch.setattr(quality.similarity_class, "verbatim", lambda codes, names, prints, written=None: [
        (x, y, f) for x, y, f in links if x in names and y in names])
    out, _ = quality.labelled(folder, 0, tmp_path / "scratch", originals=11)
    labels = quality.labels(out)
    assert frozenset((a, c)) in labels and labels[frozenset((a, c))].startswith("partial")
    assert not any(link in pair for pair in labels)


def test_a_group_of_duplicates_keeps_its_first_drawn_original():
    same = {"rnn_forward": "x", "rnn_backward": "y", "lstm_forward": "z", "lstm_backward": "w"}
    codes = {name: dict(same) for name in "abc"}
    assert labelling.duplicates(codes) == [("a", "b"), ("a", "c")]
    assert labelling.duplicates(codes, drawn={"b", "c"}) == [("b", "a"), ("b", "c")]


def test_the_made_copies_view_labels_only_the_copies_and_pastes_the_class_was_made_with(tmp_path):
    """The third label view: a disguised copy with its source and a pasted recipient with its donor are the copies;
    a pair of originals that labels.tsv joins is independent there, as a hidden set of made copies labels it."""
    import json
    (tmp_path / "labels.tsv").write_text("a\tb\tkind\nx\ty\tpartial:step\ncopy_00\tx\tcopy\n")
    (tmp_path / "made.json").write_text(json.dumps({
        "copies": {"copy_00": {"source": "x", "disguises": ["rename"]}},
        "pasted": [{"recipient": "r", "donor": "d", "functions": ["step"]}]}))
    views = quality.views(tmp_path)
    assert views["made"] == ({frozenset(("copy_00", "x")), frozenset(("r", "d"))}, set())
    assert views["labels"] == ({frozenset(("x", "y")), frozenset(("copy_00", "x"))}, set())
    assert "previous" not in views
    assert views["made-apart"] == (views["made"][0], {frozenset(("x", "y"))})


def test_the_made_apart_view_counts_the_copies_among_the_originals_neither_way(tmp_path, capsys):
    """A pair of originals that copy one another (labels.tsv) and outscore a made copy: an independent pair above it
    under the made view, out of the count under made-apart, where the copy is above every independent pair and the
    flag on the originals' pair is not a false one."""
    import json
    (tmp_path / "labels.tsv").write_text("a\tb\tkind\nx\ty\tpartial:step\ncopy_00\tz\tcopy\n")
    (tmp_path / "made.json").write_text(json.dumps({"copies": {"copy_00": {"source": "z", "disguises": []}},
                                                    "pasted": []}))
    pair = lambda a, b: frozenset((a, b))
    scores = {pair("x", "y"): 0.9, pair("copy_00", "z"): 0.7, pair("x", "z"): 0.2}
    everyone = {pair(a, b) for a, b in ("xy", "xz", "yz", ("copy_00", "x"), ("copy_00", "y"), ("copy_00", "z"))}
    found = quality._views("ours", scores, {pair("x", "y"), pair("copy_00", "z")}, quality.views(tmp_path),
                           everyone, 0)
    assert (found["made"]["above"], found["made"]["precision"]) == (0, 0.5)
    assert (found["made-apart"]["above"], found["made-apart"]["precision"]) == (1, 1.0)
    assert found["made-apart"]["highest_independent"] == 0.2 and found["made-apart"]["ap"] == 1.0
    assert "1 left out" in capsys.readouterr().out


def test_a_re_run_copy_of_a_notebook_exported_as_a_script_has_its_counts_from_the_top(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("# coding: utf-8\n\n# In[7]:\n\n\nx = 1\n\n\n# In[12]:\n\n\ny = 2\n\n\n# In[ ]:\n\n\nz = 3\n")
    doc = labelling.Doc(path)
    assert labelling._exported(doc) and doc.text() == path.read_text()
    doc.renew = ("rerun",)
    assert [line for line in doc.text().splitlines() if line.startswith("# In[")] == ["# In[1]:", "# In[2]:",
                                                                                      "# In[3]:"]


def test_the_made_apart_view_leaves_out_the_originals_read_as_copies_and_their_copies(tmp_path, monkeypatch):
    """Pairs of originals that read.tsv lists (copies the labelling rules do not reach), and a made copy of one of
    them with the other, are left out of made-apart; the made copy with its source stays a copy, and the other
    views count the read pairs as independent."""
    import json
    read = tmp_path / "read.tsv"
    read.write_text("a\tb\tfunction\tevidence\nv\tw\tstep\tthe same lines\n")
    monkeypatch.setattr(quality, "READ", read)
    (tmp_path / "labels.tsv").write_text("a\tb\tkind\ncopy_01\tw\tcopy\n")
    (tmp_path / "made.json").write_text(json.dumps({"copies": {"copy_01": {"source": "w", "disguises": []}},
                                                    "pasted": []}))
    pair = lambda a, b: frozenset((a, b))
    everyone = {pair("v", "w"), pair("copy_01", "v"), pair("copy_01", "w"), pair("v", "x"), pair("w", "x"),
                pair("copy_01", "x")}
    views = quality.views(tmp_path, everyone)
    assert views["made-apart"] == ({pair("copy_01", "w")}, {pair("v", "w"), pair("copy_01", "v")})
    assert views["made"] == ({pair("copy_01", "w")}, set()) and views["labels"][1] == set()
