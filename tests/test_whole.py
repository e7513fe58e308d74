"""A file written whole (grader/whole.py): a reader sees the old file or the new one, never half of one, and a
failed write leaves nothing behind."""
import threading

import pytest

from grader.whole import write_whole


def test_text_and_bytes_are_written_and_the_folder_made_if_asked(tmp_path):
    write_whole(tmp_path / "a.txt", "é\n")
    write_whole(tmp_path / "new" / "folder" / "b.bin", b"\x00\xff", make_folder=True)
    assert (tmp_path / "a.txt").read_bytes() == "é\n".encode()
    assert (tmp_path / "new" / "folder" / "b.bin").read_bytes() == b"\x00\xff"
    with pytest.raises(FileNotFoundError):
        write_whole(tmp_path / "none" / "c.txt", "c")


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "report.json"
    path.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_whole(path, "half \ud800 a text")  # a lone surrogate: UTF-8 can't encode it
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_rename_that_fails_is_raised_and_leaves_no_temporary(tmp_path):
    (tmp_path / "taken" / "inside").mkdir(parents=True)  # a folder that holds something can't be replaced
    with pytest.raises(OSError):
        write_whole(tmp_path / "taken", "text")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_threads_writing_the_same_file_at_once_leave_one_whole_text(tmp_path):
    path, texts, errors = tmp_path / "kept.json", [c * 200_000 for c in "abcd"], []
    start = threading.Barrier(len(texts))

    def write(text):
        start.wait()
        for _ in range(20):
            try:
                write_whole(path, text)
            except OSError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert path.read_text() in texts
    assert [p.name for p in tmp_path.iterdir()] == ["kept.json"]
