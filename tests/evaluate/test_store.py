"""Rows on disk: parts written whole, one sorted file at the end, resume reads both (no Dask)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from neuroemu.errors import InputError
from neuroemu.evaluation import read_rows
from neuroemu.evaluation.store import TASK_FAILED, RowStore, schema, sort_rows, to_table
from neuroemu.evaluation.tasks import columns

COLS = columns(["input", "out"])


def _row(name, pred=1, error=None):
    return {"file": name, "label": 1, "pred": pred, "synaptic_ops": 10, "error": error,
            "wall_s": 0.5}


def test_parts_are_readable_rows_and_the_end_is_one_sorted_file(tmp_path):
    out = tmp_path / "r.parquet"
    sch = schema(COLS, {"points": [{"tick_us": 1000.0}]})
    store = RowStore(out, sch)
    assert store.start().num_rows == 0
    store.write([_row("b"), _row("c")])
    store.write([_row("a")])
    parts = tmp_path / "r.parquet.parts"
    assert sorted(p.name.startswith("part-") for p in parts.iterdir()) == [True, True]
    assert pq.read_table(parts).num_rows == 3  # what a kill leaves, any reader opens
    assert read_rows(out)["file"].to_pylist() == ["a", "b", "c"]
    # resumed: the rows found, and a row whose task failed is not one of them
    store.write([_row("d", pred=None, error=TASK_FAILED + "KilledWorker")])
    again = RowStore(out, sch, resume=True)
    assert sorted(again.start()["file"].to_pylist()) == ["a", "b", "c"]
    table = sort_rows(to_table([_row("c"), _row("a"), _row("b")], sch))
    again.finish(table)
    assert not parts.exists()
    assert pq.read_table(out)["file"].to_pylist() == ["a", "b", "c"]
    # killed between the final file and removing the parts: each row once
    RowStore(out, sch, resume=True).write([_row("a")])
    assert read_rows(out)["file"].to_pylist() == ["a", "b", "c"]
    # a fresh evaluation (no resume) starts over
    assert RowStore(out, sch).start().num_rows == 0 and not out.exists()


def test_rows_of_other_settings_are_not_resumed(tmp_path):
    out = tmp_path / "r.parquet"
    store = RowStore(out, schema(COLS, {"points": [{"tick_us": 1000.0}]}))
    store.write([_row("a")])
    with pytest.raises(InputError, match=r"holds rows of another evaluation \(points "):
        RowStore(out, schema(COLS, {"points": [{"tick_us": 500.0}]}), resume=True).start()
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        RowStore(tmp_path / "x.parquet", schema(COLS, {}), resume=True).start()
    with pytest.raises(InputError, match="is a folder"):
        RowStore(tmp_path, schema(COLS, {}))


def test_batches_shrink_toward_the_end_and_keep_every_recording_in_order(tmp_path):
    """Guided batches: consecutive recordings of one point, in order, each batch about
    half a thread's share of what remains (none above MAX_BATCH), the last ones small."""
    from types import SimpleNamespace

    from neuroemu.evaluation.runner import MAX_BATCH, _plan

    paths = []
    for i in range(300):
        f = tmp_path / f"r{i}.bin"
        f.write_bytes(b"x" * 100)
        paths.append(str(f))
    todo = [(0 if i < 250 else 1, SimpleNamespace(path=p)) for i, p in enumerate(paths)]
    batches = _plan(todo, 2, None)
    assert [(p, it.path) for p, b in batches for it in b] == [(p, it.path) for p, it in todo]
    sizes = [len(b) for p, b in batches if p == 0]
    assert sizes[:2] == [MAX_BATCH, (300 - MAX_BATCH) // 4]  # 300 / 4 is above the cap
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < sizes[0] // 8
    assert all(len(b) == 1 for _, b in _plan(todo, 2, 1))


def test_batches_are_submitted_as_others_finish_not_all_up_front(net, folder):
    """At most IN_FLIGHT batches per worker thread are outstanding: a worker that finishes
    early takes the next one rather than each having been dealt its share."""
    from distributed import Client

    import neuroemu as ne
    from neuroemu.evaluation import runner

    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address=None) as client:
        submitted, peak = [], 0
        real = client.submit

        def submit(*args, **kwargs):
            nonlocal peak
            submitted.append(real(*args, **kwargs))
            peak = max(peak, sum(not f.done() for f in submitted))
            return submitted[-1]

        client.submit = submit
        ev = ne.evaluate(net, folder, client=client, batch_size=1, progress=False)
    assert len(submitted) == ev.summary["n"] > 2 * runner.IN_FLIGHT
    assert peak <= runner.IN_FLIGHT
