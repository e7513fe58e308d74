"""A notebook's recorded state as evidence (grader/similarity/notebook.py): a copy of another student's .ipynb that
keeps its cell ids and execution counts stands out even when its code is the class's, token for token; what every
student got from the handout, a handout version that only two students had, and two students who each ran the whole
notebook once (Restart & Run All) count for nothing; a copier who re-ran the notebook in a fresh file is where the
code alone puts it; a notebook exported as a script keeps its execution counts, and a copy of the script with them.
The class: tests/similarity_classmates.py's common_way, as notebooks written here (one exported as a script)."""
import json
import random
import re

import pytest

import similarity_classmates as classmates
import similarity_copies as copies
from test_similarity import pair_scores, write_class
from grader.similarity import notebook, run

HANDOUT_CELLS = 24  # markdown cells the handout adds around the code (each with the handout's id)
ID = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-"


def cell_id(rng):
    return "".join(rng.choice(ID) for _ in range(12))


def handout_ids(version):
    rng = random.Random(f"handout {version}")
    return [cell_id(rng) for _ in range(HANDOUT_CELLS + 10)]


def as_notebook(code, ids, counts, own_id):
    """The student's code as a notebook: the handout's markdown and code cells with its `ids`, each function in its
    own code cell with execution count from `counts`, and one cell the student added (id `own_id`)."""
    blocks = copies.blocks(code)
    cells = [{"cell_type": "markdown", "id": ids[i], "metadata": {}, "source": f"## Part {i}\nText of the handout."}
             for i in range(HANDOUT_CELLS)]
    for i, block in enumerate(blocks):
        cells.append({"cell_type": "code", "id": ids[HANDOUT_CELLS + i % 10], "metadata": {}, "outputs": [],
                      "execution_count": counts[i] if i < len(counts) else None, "source": block})
    cells.append({"cell_type": "code", "id": own_id, "metadata": {"scrolled": True}, "outputs": [],
                  "execution_count": None, "source": "print('my own check')"})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def as_script(code, counts):
    """The student's code as nbconvert exports a notebook to a script: `# In[N]:` above each code cell."""
    blocks = copies.blocks(code)
    cells = [f"# In[{counts[i] if i < len(counts) else ' '}]:\n\n\n{block}\n" for i, block in enumerate(blocks)]
    return "#!/usr/bin/env python\n# coding: utf-8\n\n# ## Part 1\n\n" + "\n\n".join(cells)


def session(rng, cells):
    """Execution counts as a session of edits and re-runs leaves them: increasing, with jumps."""
    counts, now = [], rng.randint(1, 9)
    for _ in range(cells):
        now += 1 if rng.random() < 0.5 else rng.randint(2, 12)
        counts.append(now)
    return counts


def disguised(code):
    """The code with names changed, its comments dropped and its layout a formatter's: nothing of the surface left."""
    code = re.sub(r"[ \t]*#.*$", "", copies.rename(code), flags=re.MULTILINE)
    return re.sub(r",(?=\S)", ", ", code).replace("  = ", " = ")


@pytest.fixture(scope="module")
def state_class(tmp_path_factory, rnn):
    """Fourteen students of common_way as notebooks: students 00 and 01 ran everything once (1..n); 12 and 13 had
    another handout version that no one else had; the rest, sessions of their own (student 05's exported as a
    script). A disguised copy of student 03's file that kept its recorded state, one of student 04's that was re-run
    in a fresh notebook, and one of student 05's script that kept its `# In[N]:` lines."""
    mates, rng = classmates.common_way(), random.Random(11)
    cells = len(copies.blocks(mates["student_00"]))
    files, own = {}, {}
    for i, (name, code) in enumerate(sorted(mates.items())):
        counts = list(range(1, cells + 1)) if i < 2 else session(rng, cells)
        own[name] = (handout_ids("B" if i >= 12 else "A"), counts, cell_id(rng))
        files[f"{name}.ipynb"] = as_notebook(code, *own[name])
    _, counts, _ = own["student_05"]
    del files["student_05.ipynb"]
    files["student_05.py"] = as_script(mates["student_05"], counts)
    files["copy_script.py"] = as_script(disguised(mates["student_05"]), counts)
    files["copy_kept.ipynb"] = as_notebook(disguised(mates["student_03"]), *own["student_03"])
    ids, _, _ = own["student_04"]
    files["copy_rerun.ipynb"] = as_notebook(disguised(mates["student_04"]), [cell_id(rng) for _ in ids],
                                            list(range(1, cells + 1)), cell_id(rng))
    folder = write_class(tmp_path_factory.mktemp("state") / "class", files)
    return run.compare(run.entries(folder), rnn)


def test_a_copy_that_kept_the_files_ids_and_execution_counts_stands_out(state_class):
    pairs = pair_scores(state_class)
    kept = pairs[frozenset(("copy_kept", "student_03"))]
    independent = [p for p in state_class.pairs if not p.a.startswith("copy") and not p.b.startswith("copy")]
    highest = max(p.score for p in independent)
    assert kept.recorded.get("cell id", 0) >= 1 and kept.recorded.get("run", 0) >= 2 and kept.state >= 1.5, kept
    without = kept.score / (1 - kept.score) - kept.state
    assert without / (1 + without) <= highest + 0.01, "the code and its surface alone should not tell it apart"
    assert kept.score > highest + 0.2 and kept.flagged, (kept.score, highest)


def test_a_copy_of_a_notebook_exported_as_a_script_keeps_its_execution_counts(state_class):
    kept = pair_scores(state_class)[frozenset(("copy_script", "student_05"))]
    independent = [p for p in state_class.pairs if not p.a.startswith("copy") and not p.b.startswith("copy")]
    assert kept.recorded.get("run", 0) >= 2 and kept.state >= 0.9, kept
    assert kept.score > max(p.score for p in independent) + 0.1, kept


def test_what_the_handout_gave_and_a_run_from_the_top_count_for_nothing(state_class):
    pairs = pair_scores(state_class)
    independent = [p for p in state_class.pairs if not p.a.startswith("copy") and not p.b.startswith("copy")]
    assert max(p.state for p in independent) < 0.02, max(independent, key=lambda p: p.state)
    assert not any(p.flagged for p in independent)
    # Both had version B's ids, that no one else had: a handout version, not a copy.
    version_b = pairs[frozenset(("student_12", "student_13"))]
    assert version_b.recorded.get("cell id", 0) < 0.1, version_b
    ran_all = pairs[frozenset(("student_00", "student_01"))]
    assert "run" not in ran_all.recorded, ran_all


def test_a_copy_re_run_in_a_fresh_notebook_carries_nothing_of_its_source_s_session(state_class):
    """Its absence says nothing: it scores what its code says (the class's code: low), as docs/similarity.md says."""
    rerun = pair_scores(state_class)[frozenset(("copy_rerun", "student_04"))]
    assert rerun.state == 0 and not rerun.recorded and not rerun.flagged, rerun


def test_the_side_by_side_view_names_the_recorded_state_both_files_carry(state_class, tmp_path):
    from grader.similarity import render
    document = render.write(tmp_path, state_class)
    row = next(r for r in document["pairs"] if {r["a"], r["b"]} == {"copy_kept", "student_03"})
    assert row["recorded"]["cell id"] >= 1 and "state_full" in document["settings"]
    page = (tmp_path / row["view"]).read_text()
    cells = json.loads(open(state_class.documents["student_03"].path).read())["cells"]
    assert f"cell id: <mark><code>{cells[-1]['id']}</code></mark>" in page  # the cell the student added
    assert cells[0]["id"] not in page  # the handout's, which every student of version A has
    assert re.search(r"run: <mark><code>every code cell: [0-9 ]+ -</code></mark>", page), page


def test_the_recorded_state_is_read_from_ids_counts_and_traces_and_not_from_a_run_from_the_top(tmp_path):
    cells = [{"cell_type": "code", "id": "a1b2c3d4e5", "metadata": {"id": "XyZ123abc"}, "execution_count": n,
              "outputs": [{"output_type": "stream", "name": "stdout",
                           "text": ["<function f at 0x7f3a2b1c9d00>\n", "3.0\n", "Wall time: 1.2 s\n",
                                    "File /home/jovyan/work/rnn_utils.py:3\n", "File /home/alice/rnn/x.py:3\n"]}],
              "source": "f"}
             for n in (4, 5, 9, 12, 13, 20)]
    path = tmp_path / "a.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    found = sorted(notebook.items(path).values())
    assert ("cell id", "a1b2c3d4e5") in found and ("cell id", "XyZ123abc") in found
    assert ("run", "every code cell: 4 5 9 12 13 20") in found and ("run", "5 cells in a row: 5 9 12 13 20") in found
    traces = [text for kind, text in found if kind == "trace"]
    assert sorted(set(traces)) == ["/home/alice/rnn/x.py", "at 0x7f3a2b1c9d00"], traces  # not a hub's shared home
    assert not [kind for kind, _ in notebook.items(path, outputs=False).values() if kind == "trace"]
    for n, cell in enumerate(cells, 1):
        cell["execution_count"] = n
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert not [text for kind, text in notebook.items(path).values() if kind == "run"]
    (tmp_path / "b.ipynb").write_text("{not json")
    assert notebook.items(tmp_path / "b.ipynb") == {} and notebook.items(tmp_path / "c.py") == {}
    (tmp_path / "d.py").write_text("# In[4]:\n\nf()\n\n# In[9]:\n\ng()\n\n# In[ ]:\n\nh()\n")
    assert sorted(notebook.items(tmp_path / "d.py").values()) == [("run", "every code cell: 4 9 -")]


def test_a_handout_version_that_only_two_students_had_is_known_by_its_text_even_with_few_ids():
    """Two students share 5 cell ids that no one else has: a copy's mark, unless the two also share, alone, the
    dozens of markdown lines of a handout version no one else had; then the ids are that version's and weigh
    nothing. The markdown itself is never scored."""
    from grader.similarity import score
    ids = {notebook._item(0, f"id-{k}-of-version-b") for k in range(5)}
    text = {notebook._item(notebook.TEXT, f"a line of version B's handout, number {k}") for k in range(30)}
    others = [score.Document(f"s{k}", "class", {}, recorded=frozenset({notebook._item(0, f"own {k}")}))
              for k in range(6)]
    alone = [score.Document(n, "class", {}, recorded=frozenset(ids)) for n in "ab"]
    assert not ids & set(score.rarity(alone + others)), "5 ids only two have weigh 1: a copy's"
    versioned = [score.Document(n, "class", {}, recorded=frozenset(ids | text)) for n in "ab"]
    rare = score.rarity(versioned + others)
    assert all(rare[item] == 0.0 for item in ids | text)
    state, recorded = score._state(versioned[0].recorded, *[score.masses_of([d], rare)[d.name][2]
                                                             for d in versioned], rare)
    assert state == 0 and "text" not in recorded and not recorded


def test_the_outputs_of_a_notebook_the_grader_executed_are_not_the_students(tmp_path, rnn):
    """A report folder keeps executed.ipynb, run by the grader: its outputs name the grader's machine, not the
    student's; its ids are still the student's file's."""
    from grader.sandbox.executed import NAME
    from grader.similarity import collect
    code = classmates.common_way()["student_00"]
    data = json.loads(as_notebook(code, handout_ids("A"), [3, 9, 10, 17], "own0cellid"))
    data["cells"][-1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "/home/alice/x.py\n"}]
    setting = collect.setting(rnn)
    kinds = {}
    for name in ("submission.ipynb", NAME):
        (tmp_path / name).write_text(json.dumps(data))
        document = collect.document(name, "class", tmp_path / name, setting)
        kinds[name] = {notebook.kind(item) for item in document.recorded}
    assert kinds["submission.ipynb"] >= {0, 1, 2} and kinds[NAME] >= {0, 1} and 2 not in kinds[NAME], kinds
