"""The same rows whatever runs them: 1 or 2 local workers, a scheduler and a worker started
apart, a process killed with SIGKILL and resumed, a worker that dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pyarrow.parquet as pq
import pytest
from evalcase import N_RECORDINGS as N
from evalcase import NET, read_rows, rows

import neuroemu as ne
from neuroemu.cli import main


def test_one_and_two_local_workers_give_identical_rows(net, folder, reference):
    one = ne.evaluate(net, folder, workers=1, batch_size=1, progress=False)
    two = ne.evaluate(net, folder, workers=2, progress=False)
    assert (one.summary["workers"], two.summary["workers"]) == ("1 worker", "2 workers")
    assert rows(one.table) == rows(two.table) == rows(reference.table)
    assert one.summary["accuracy"] == two.summary["accuracy"]
    assert one.summary["energy_j"] == two.summary["energy_j"]


def _start(args, log, **kwargs):
    """A process in a session of its own (so that it and its children stop together)."""
    return subprocess.Popen([sys.executable, *args], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, **kwargs)


def _stop(proc, sig=signal.SIGTERM) -> None:
    """Stop ``proc``'s process group, firmly if it does not go."""
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    except ProcessLookupError:
        proc.wait(timeout=15)


@pytest.fixture
def scheduler(tmp_path):
    """A ``dask scheduler`` and a ``dask worker`` started apart, on 127.0.0.1 at a port the
    scheduler chose; their address. Both are stopped after the test."""
    info = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "wb")  # noqa: SIM115 - closed below
    procs = []
    try:
        procs.append(_start(["-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                             "--no-dashboard", "--scheduler-file", str(info)], log))
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert procs[0].poll() is None, (tmp_path / "dask.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.05)
        time.sleep(0.1)  # the file is written whole, but be sure
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(_start(["-m", "dask", "worker", address, "--nworkers", "1",
                             "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
                             "--death-timeout", "60"], log))
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()


def test_a_scheduler_and_a_worker_started_apart_give_the_same_rows(scheduler, folder,
                                                                  reference, tmp_path, capsys):
    out = tmp_path / "results.parquet"
    capsys.readouterr()
    assert main(["eval", str(NET), "--inputs", str(folder), "--scheduler", scheduler,
                 "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["workers"] == f"1 worker at {scheduler}"
    assert read_rows(out) == rows(reference.table)
    assert printed["accuracy"] == reference.summary["accuracy"]


def test_killed_halfway_then_resumed_equals_an_uninterrupted_run(folder, reference, tmp_path):
    """SIGKILL to the command and its workers once a part is written: the parts that
    survive are readable rows of the uninterrupted run, and --resume computes only the
    rest; the final rows are the uninterrupted run's."""
    out = tmp_path / "results.parquet"
    parts = tmp_path / "results.parquet.parts"
    cmd = ["-m", "neuroemu", "eval", str(NET), "--inputs", str(folder), "--workers", "1",
           "--batch-size", "1", "--out", str(out)]
    with open(tmp_path / "killed.log", "wb") as log:
        proc = _start([*cmd, "--quiet"], log)
        try:
            deadline = time.monotonic() + 120
            while not any(parts.glob("part-*.parquet")):
                assert proc.poll() is None, (tmp_path / "killed.log").read_text()
                assert time.monotonic() < deadline, "no rows were written"
                time.sleep(0.005)
            group = [proc] + psutil.Process(proc.pid).children(recursive=True)
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            _stop(proc, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    gone, alive = psutil.wait_procs([p for p in group if isinstance(p, psutil.Process)],
                                    timeout=15)
    assert not alive, "a worker outlived the kill"
    assert not out.exists(), "the evaluation finished before it was killed"
    survived = pq.read_table(parts)  # what a kill leaves, any Parquet reader opens
    assert 1 <= survived.num_rows < N
    uninterrupted = {r["file"]: r for r in rows(reference.table)}
    assert all(r == uninterrupted[r["file"]] for r in rows(survived))
    done = subprocess.run([sys.executable, *cmd, "--resume", "--json"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # no Dask log lines below warnings, no traceback, no progress (--json): one JSON object
    assert not any(w in done.stderr for w in (" - INFO - ", "DEBUG", "Traceback")), \
        done.stderr
    printed = json.loads(done.stdout)
    assert printed["skipped_done"] == survived.num_rows >= 1
    assert printed["n_run"] == N - survived.num_rows
    assert read_rows(out) == rows(reference.table)
    assert not parts.exists()


def test_a_worker_that_dies_has_its_tasks_run_again(net, folder, reference, tmp_path):
    """One of two workers is killed while the evaluation runs: Dask runs its tasks on
    the other (and on the worker its nanny restarts); no row is lost or changed."""
    from distributed import Client

    from neuroemu.evaluation.cluster import local_cluster

    out = tmp_path / "results.parquet"
    with local_cluster(2) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        victim = sorted(pids.values())[0]

        def kill_when_running():
            while not any(out.with_name("results.parquet.parts").glob("part-*.parquet")):
                time.sleep(0.005)
            os.kill(victim, signal.SIGKILL)

        killer = threading.Thread(target=kill_when_running, daemon=True)
        killer.start()
        ev = ne.evaluate(net, folder, client=client, batch_size=1, out=out, progress=False)
        killer.join(timeout=5)
    assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == "zombie"
    assert rows(ev.table) == rows(reference.table)
    assert read_rows(out) == rows(reference.table)
    assert "task_failed" not in ev.summary


def test_a_scheduler_that_does_not_answer_is_refused_naming_it(net, folder, monkeypatch):
    from neuroemu.errors import InputError
    from neuroemu.evaluation import cluster

    monkeypatch.setattr(cluster, "CONNECT_S", 2)
    with pytest.raises(InputError, match=r"--scheduler tcp://127\.0\.0\.1:9: no Dask scheduler "
                                         r"answered within 2 s"):
        ne.evaluate(net, folder, scheduler="tcp://127.0.0.1:9", progress=False)


def test_a_script_without_a_main_guard_is_told_why_its_workers_did_not_start(tmp_path):
    script = tmp_path / "unguarded.py"
    recording = NET.parents[1] / "traces" / "nmnist_4.aedat"
    script.write_text("import neuroemu as ne\n"
                      f"ne.evaluate({str(NET)!r}, [{str(recording)!r}], workers=1, "
                      "progress=False)\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode != 0
    assert "could not start 1 local Dask worker" in proc.stderr
    assert "if __name__ == \"__main__\":" in proc.stderr


def test_the_fork_server_leaves_what_it_preloaded_out_of_the_collectors_reach():
    """Its workers inherit the engine and kernel frozen (the collector does not walk them,
    there or at their exit), and the fork server itself exits without walking them."""
    probe = ("import gc, sys\nimport neuroemu.evaluation.preload\n"
             "print(gc.get_freeze_count(), 'neuroemu.engine.kernels.event' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=300).stdout.split()
    assert int(out[-2]) > 1000 and out[-1] == "True"
