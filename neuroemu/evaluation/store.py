"""Rows on disk as they arrive: Parquet parts while running, one Parquet file at the end.

While an evaluation with ``out='results.parquet'`` runs, every finished task's
rows are written at once to their own file in the folder
``results.parquet.parts/`` (written under a hidden name, then renamed, so a
part is complete or absent). That folder is a Parquet dataset any reader opens
(``pyarrow.parquet.read_table('results.parquet.parts')``, ``pandas.read_parquet``,
Dask, DuckDB), also after the process was killed. When the evaluation ends, all
rows, sorted, are written to ``results.parquet`` (again under a hidden name,
then renamed) and the parts folder is removed.

``resume=True`` reads the rows already finished (the final file, if any, and
every part) and the evaluation computes only the others. Every file carries
the evaluation's settings (network digest, run options, grid, profiles priced)
in its Parquet metadata; resuming with other settings is refused, since its
rows would not be the same evaluation's. Rows whose task failed as a whole
(:data:`TASK_FAILED`) are computed again by a resume.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from ..errors import InputError

FORMAT = "neuroemu-evaluation"
#: version of the rows' layout (not the package version); a newer one is refused
VERSION = 1
META_KEY = b"neuroemu"
#: the error of a row whose task failed as a whole (a worker died too often): not final
TASK_FAILED = "task failed: "
_TYPES = {"string": "string", "int64": "int64", "float64": "float64", "bool": "bool_"}


def schema(cols, meta: dict):
    """The pyarrow schema of rows with ``cols`` (:func:`.tasks.columns`) and ``meta``."""
    import pyarrow as pa

    fields = [pa.field(name, getattr(pa, _TYPES[t])()) for name, t in cols]
    info = {"format": FORMAT, "version": VERSION, **meta}
    return pa.schema(fields, metadata={META_KEY: json.dumps(info, sort_keys=True)})


def to_table(rows, sch):
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=sch)


def sort_rows(table):
    """Rows in their one order: by point (a sweep's), then by file."""
    keys = [("point", "ascending")] if "point" in table.column_names else []
    return table.sort_by(keys + [("file", "ascending")])


def unique_rows(table, keys: set | None = None):
    """Rows of ``table`` with distinct (point, file) keys, the first of each; only those
    in ``keys`` when given."""
    cols = table.column_names
    points = table["point"].to_pylist() if "point" in cols else [0] * table.num_rows
    seen, keep = set(), []
    for i, key in enumerate(zip(points, table["file"].to_pylist())):
        if key not in seen and (keys is None or key in keys):
            seen.add(key)
            keep.append(i)
    return table.take(keep) if len(keep) != table.num_rows else table


def _write_atomic(table, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _settings(table_or_schema) -> dict:
    """The evaluation settings a table's (or a schema's) metadata holds ({} if none)."""
    sch = getattr(table_or_schema, "schema", table_or_schema)
    raw = (sch.metadata or {}).get(META_KEY)
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


class RowStore:
    """Where the rows of one evaluation go (the module docstring); ``out=None`` keeps
    them in memory only.

    Parameters
    ----------
    out : path-like or None
    sch : pyarrow.Schema
        From :func:`schema`; its metadata is the evaluation's settings.
    resume : bool
    """

    def __init__(self, out, sch, resume: bool = False):
        self.out = None if out is None else Path(out)
        self.schema = sch
        self.resume = resume
        self.parts = None if out is None else Path(f"{out}.parts")
        self._n = 0
        self._run = uuid.uuid4().hex[:8]
        if self.out is not None:
            self._check_path()

    def _check_path(self) -> None:
        out = self.out
        if out.is_dir():
            raise InputError(f"--out {out}: is a folder; give a file name (e.g. "
                             f"{out / 'results.parquet'})")
        for parent in out.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise InputError(f"--out {out}: {parent} is a file, not a folder")
                break

    def start(self):
        """Rows already finished (a pyarrow Table, possibly empty): with ``resume``, those
        of the final file and the parts; without, none (and any old ones are removed)."""
        if self.out is None:
            return to_table([], self.schema)
        if not self.resume:
            if self.parts.exists():
                shutil.rmtree(self.parts)
            if self.out.exists():
                self.out.unlink()
            return to_table([], self.schema)
        found = []
        if self.out.exists():
            found.append((self.out, self._read(self.out)))
        if self.parts.is_dir():
            for p in sorted(self.parts.iterdir()):
                if p.name.startswith("."):
                    p.unlink()  # a part that was being written when the process died
                elif p.suffix == ".parquet":
                    table = self._read(p, missing_ok=True)
                    if table is not None:
                        found.append((p, table))
        tables = []
        for path, table in found:
            self._same_settings(path, table)
            tables.append(table.select(self.schema.names).cast(self.schema))
        if not tables:
            return to_table([], self.schema)
        import pyarrow as pa
        import pyarrow.compute as pc

        done = pa.concat_tables(tables)
        if done.num_rows:
            keep = pc.invert(pc.starts_with(pc.fill_null(done["error"], ""), TASK_FAILED))
            done = done.filter(keep)
        return done

    def _read(self, path: Path, missing_ok: bool = False):
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
            if missing_ok:
                return None
            raise InputError(f"--resume: {path} is not a readable Parquet file ({exc}); "
                             "remove it, or run without --resume to start over") from None

    def _same_settings(self, path: Path, table) -> None:
        have, want = _settings(table), _settings(self.schema)
        if have.get("format") != FORMAT:
            raise InputError(f"--resume: {path} was not written by a neuroemu evaluation; "
                             "give another --out, or run without --resume to start over")
        if int(have.get("version", 0)) > VERSION:
            raise InputError(f"--resume: {path} has rows of layout version {have['version']}, "
                             f"newer than this neuroemu's {VERSION}; upgrade neuroemu")
        differ = [k for k in sorted(set(have) | set(want)) if have.get(k) != want.get(k)]
        if differ or table.schema.names != self.schema.names:
            shown = ", ".join(f"{k} {have.get(k)!r} there, {want.get(k)!r} here"
                              for k in differ[:3]) or "other columns"
            raise InputError(f"--resume: {path} holds rows of another evaluation ({shown}); "
                             "give another --out, or run without --resume to start over")

    def write(self, rows) -> None:
        """Write a finished task's rows as one part (no-op without ``out``)."""
        if self.out is None or not rows:
            return
        self.parts.mkdir(parents=True, exist_ok=True)
        self._n += 1
        _write_atomic(to_table(rows, self.schema), self.parts / f"part-{self._run}-"
                                                              f"{self._n:06d}.parquet")

    def finish(self, table) -> None:
        """Write every row (sorted) as the one final file and remove the parts."""
        if self.out is None:
            return
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(table, self.out)
        if self.parts.exists():
            shutil.rmtree(self.parts)


def read_rows(path):
    """The rows of an evaluation's output: the final file, or, after an interruption, the
    rows its parts folder holds (both: the union). A pyarrow Table sorted as
    :func:`sort_rows`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    parts = Path(f"{path}.parts")
    tables = [pq.read_table(path)] if path.is_file() else []
    if parts.is_dir():
        tables += [pq.read_table(p) for p in sorted(parts.glob("[!.]*.parquet"))]
    if not tables:
        raise InputError(f"{path}: no evaluation rows (neither the file nor {parts} exists)")
    table = pa.concat_tables([t.select(tables[0].schema.names) for t in tables])
    return sort_rows(unique_rows(table))
