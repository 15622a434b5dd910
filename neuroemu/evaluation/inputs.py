"""Which recordings a dataset evaluation runs, and their labels.

A dataset is given as one of:

* a folder whose sub-folders are the labels, as N-MNIST's ``Test/<digit>/*.bin``:
  every file under sub-folder ``<k>`` (at any depth; names starting with ``.`` or
  ``_`` are skipped) has label ``k``, which must be a whole number (the class the
  network's readout gives);
* a folder of recordings without sub-folders: no labels;
* a CSV file of ``file,label`` rows (a header row is optional; a file's path is
  relative to the CSV's folder; an empty label is no label);
* a glob (``'recordings/**/*.aedat'``): no labels;
* in Python, a list of paths, with ``labels`` (a list of the same length, or a
  dict from path to label) or without.

Each recording becomes an :class:`Item`: the *key* (the ``file`` column of the
results: the path relative to the folder, as written in the CSV, as the glob
matched it, or as listed), the absolute path the workers read, and the label
(-1 for none). Items are sorted by key, so results have one order whatever
order the files were found or finished in.
"""

from __future__ import annotations

import csv
import glob
import os
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError

#: the label of a recording that has none
NO_LABEL = -1


class Item(NamedTuple):
    """One recording of a dataset."""

    key: str
    path: str
    label: int


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)


def _label(text: str, where: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise InputError(f"{where}: label {text!r} is not a class number (a whole number "
                         ">= 0, the class the network's readout gives)")
    return value


def from_folder(root: Path) -> list[Item]:
    """The recordings of a folder: labelled by sub-folder, or unlabelled (module docstring)."""
    children = sorted(p for p in root.iterdir() if _visible(p, root))
    folders = [p for p in children if p.is_dir()]
    if not folders:
        return [Item(p.name, str(p.resolve()), NO_LABEL) for p in children if p.is_file()]
    loose = [p for p in children if p.is_file()]
    if loose:
        raise InputError(f"--inputs {root}: holds both label sub-folders ({folders[0].name}, "
                         f"...) and files ({loose[0].name}); put every recording in the "
                         "sub-folder of its label, or give a CSV of file,label")
    items = []
    for folder in folders:
        if not folder.name.isdigit():
            raise InputError(f"--inputs {root}: sub-folder {folder.name!r} is not a class "
                             "number; name the sub-folders by the class the network's readout "
                             "gives (0, 1, ...), or give a CSV of file,label")
        label = int(folder.name)
        for p in sorted(folder.rglob("*")):
            if p.is_file() and _visible(p, root):
                items.append(Item(p.relative_to(root).as_posix(), str(p.resolve()), label))
    return items


def from_csv(path: Path) -> list[Item]:
    """The recordings a ``file,label`` CSV lists (module docstring)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except UnicodeDecodeError:
        raise InputError(f"--inputs {path}: not a text CSV of file,label rows") from None
    if rows and len(rows[0]) >= 2 and rows[0][0].strip().lower() == "file":
        rows = rows[1:]  # the header
    items = []
    for i, row in enumerate(rows, 1):
        where = f"--inputs {path}, row {i}"
        if len(row) > 2:
            raise InputError(f"{where}: {len(row)} columns; expected file,label")
        name = row[0].strip()
        label = row[1].strip() if len(row) == 2 else ""
        items.append(Item(name, str((path.parent / name).resolve()),
                          _label(label, where) if label else NO_LABEL))
    return items


def from_glob(pattern: str) -> list[Item]:
    """The files a glob matches (``**`` matches folders at any depth); no labels."""
    paths = [p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p)]
    if not paths:
        raise InputError(f"--inputs {pattern!r}: the glob matches no file")
    return [Item(Path(p).as_posix(), str(Path(p).resolve()), NO_LABEL) for p in paths]


def from_list(paths, labels=None) -> list[Item]:
    """Recordings listed in Python, with labels as a list of the same length or a dict."""
    paths = [os.fspath(p) for p in paths]
    if labels is None:
        labels = [NO_LABEL] * len(paths)
    elif isinstance(labels, dict):
        labels = [labels.get(p, labels.get(Path(p), NO_LABEL)) for p in paths]
    else:
        labels = list(labels)
        if len(labels) != len(paths):
            raise InputError(f"labels: {len(labels)} labels for {len(paths)} recordings")
    items = []
    for p, lab in zip(paths, labels):
        lab = NO_LABEL if lab is None else lab
        if int(lab) != lab or lab < NO_LABEL:
            raise InputError(f"labels: {lab!r} for {p}; expected a class number >= 0 or None")
        items.append(Item(Path(p).as_posix(), str(Path(p).resolve()), int(lab)))
    return items


def discover(inputs, labels=None) -> list[Item]:
    """The items of a dataset given any way the module docstring lists, sorted by key.

    Parameters
    ----------
    inputs : path-like, str (a glob) or sequence of path-like
    labels : sequence or dict, optional
        Only with a list of paths (a folder's labels are its sub-folders', a CSV's
        its own).

    Raises
    ------
    InputError
        Nothing found, duplicate keys, a label that is not a class number, labels
        given twice.
    """
    if isinstance(inputs, (str, os.PathLike)):
        if labels is not None:
            raise InputError("labels: give labels with a list of recordings; a folder's come "
                             "from its sub-folders, a CSV's from its label column, and a glob "
                             "has none")
        text = os.fspath(inputs)
        path = Path(text)
        if path.is_dir():
            items = from_folder(path)
        elif path.is_file() and path.suffix.lower() == ".csv":
            items = from_csv(path)
        elif path.is_file():
            items = from_list([path])
        elif glob.has_magic(text):
            items = from_glob(text)
        else:
            raise InputError(f"--inputs {text}: no such file or folder (expected a folder of "
                             "label sub-folders, a CSV of file,label, or a glob)")
        where = text
    else:
        items = from_list(inputs, labels)
        where = "inputs"
    if not items:
        raise InputError(f"--inputs {where}: no recording found")
    items.sort(key=lambda it: it.key)
    for a, b in zip(items, items[1:]):
        if a.key == b.key:
            raise InputError(f"--inputs {where}: {a.key} is listed twice")
    return items
