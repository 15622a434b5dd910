"""Which recordings a dataset names, and their labels (no Dask here)."""

from __future__ import annotations

import pytest

from neuroemu.errors import InputError
from neuroemu.evaluation.inputs import NO_LABEL, discover


def _touch(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_folder_of_label_folders_labels_each_file_by_its_folder(tmp_path):
    for name in ("3/b.bin", "3/a.bin", "10/deep/c.bin", "10/.hidden.bin", "_skip/x.bin"):
        _touch(tmp_path / name)
    items = discover(tmp_path)
    assert [(i.key, i.label) for i in items] == [("10/deep/c.bin", 10), ("3/a.bin", 3),
                                                 ("3/b.bin", 3)]
    assert all(i.path == str((tmp_path / i.key).resolve()) for i in items)


def test_a_folder_of_files_has_no_labels(tmp_path):
    _touch(tmp_path / "b.aedat")
    _touch(tmp_path / "a.bin")
    assert [(i.key, i.label) for i in discover(tmp_path)] == [("a.bin", NO_LABEL),
                                                              ("b.aedat", NO_LABEL)]


@pytest.mark.parametrize("layout,match", [
    (("cat/a.bin",), "sub-folder 'cat' is not a class number"),
    (("1/a.bin", "loose.bin"), "holds both label sub-folders"),
])
def test_folders_that_are_not_labels_are_refused(tmp_path, layout, match):
    for name in layout:
        _touch(tmp_path / name)
    with pytest.raises(InputError, match=match):
        discover(tmp_path)


def test_a_csv_gives_files_relative_to_itself_and_their_labels(tmp_path):
    _touch(tmp_path / "rec" / "a.bin")
    _touch(tmp_path / "rec" / "b.bin")
    _touch(tmp_path / "c.bin")
    csv = tmp_path / "lists" / "test.csv"
    csv.parent.mkdir()
    csv.write_text("file,label\n../rec/b.bin,7\n../rec/a.bin, 2\n\n../c.bin,\n")
    items = discover(csv)
    assert [(i.key, i.label) for i in items] == [("../c.bin", NO_LABEL), ("../rec/a.bin", 2),
                                                 ("../rec/b.bin", 7)]
    assert items[1].path == str((tmp_path / "rec" / "a.bin").resolve())
    csv.write_text("../rec/a.bin,two\n")  # no header: the first row is a recording
    with pytest.raises(InputError, match=r"row 1: label 'two' is not a class number"):
        discover(csv)


def test_a_glob_has_no_labels_and_a_list_takes_them(tmp_path):
    a, b = _touch(tmp_path / "x" / "a.bin"), _touch(tmp_path / "y" / "b.bin")
    items = discover(str(tmp_path / "**" / "*.bin"))
    assert [i.path for i in items] == [str(a.resolve()), str(b.resolve())]
    assert {i.label for i in items} == {NO_LABEL}
    items = discover([b, a], labels=[5, None])
    assert [(i.path, i.label) for i in items] == [(str(a.resolve()), NO_LABEL),
                                                  (str(b.resolve()), 5)]
    with pytest.raises(InputError, match="the glob matches no file"):
        discover(str(tmp_path / "*.aedat"))
    with pytest.raises(InputError, match="listed twice"):
        discover([a, a])
    with pytest.raises(InputError, match="2 labels for 1 recordings"):
        discover([a], labels=[1, 2])
    with pytest.raises(InputError, match="a folder's come from its sub-folders"):
        discover(tmp_path, labels=[1])
    with pytest.raises(InputError, match="no such file or folder"):
        discover(tmp_path / "missing")
