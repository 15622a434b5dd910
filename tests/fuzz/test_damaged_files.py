"""Damaged and wrong-kind files through the command line.

Each file of the corpus (:mod:`fuzz.corpus`: truncations, bit flips in headers and
HDF5 metadata, header-only files, wrong versions, garbage, empty files, files of
another kind, hostile sizes) goes through ``main([...])`` in this process:

* recordings: ``events info FILE``, ``events info FILE --lenient --json`` and, for
  a subset, ``run models/nmnist_cnn.h5 --input FILE --ticks 50 -o OUT``;
* networks: ``info FILE``, ``import FILE -o OUT`` (NIR, netx and other kinds) and,
  for a subset, ``run FILE --input traces/nmnist_4.aedat --ticks 20 -o OUT``.

Every call must exit 0 or 1 within ``CALL_TIMEOUT`` seconds, with no exception
escaping ``main`` and no traceback text. Exit 1 must print exactly one line on
stderr, ``neuroemu: error: ...``, naming the file (and no stray warning). Exit 0
on a recording must count events unless the damage may have removed every one
(``Entry.nonzero``); a file of another kind is never accepted as a recording. A
failed command leaves neither its output nor a temporary file behind.

Each failure message starts with its symptom in brackets (``[traceback]``,
``[hang]``, ``[exit 2]``, ``[not one error line]``, ``[file not named]``,
``[warning leaked]``, ``[accepted, expected an error]``, ``[wrong kind accepted]``,
``[zero events]``, ``[bad sensor size]``, ``[leftover output]``), so a run's
failures group by symptom with ``pytest -rf``. To rebuild a failing file, see
:mod:`fuzz.corpus` (``python tests/fuzz/corpus.py OUT_DIR ID``).
"""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import io
import json
import re
import signal
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from realdata import DATA

from fuzz.corpus import ROOT, Entry, build, plan
from neuroemu.cli import main

#: seconds one command may take before it counts as a hang
CALL_TIMEOUT = 20
#: address space a command may take beyond what the process holds (a claimed size
#: that gets allocated fails with MemoryError instead of swapping the machine)
MEMORY_HEADROOM = 8 << 30
CNN = ROOT / "models" / "nmnist_cnn.h5"
TRACE = ROOT / "traces" / "nmnist_4.aedat"
#: kinds of file that are not recordings, whatever their name
FOREIGN = ("wrong-kind", "garbage", "empty", "format-option", "implausible")

ENTRIES = plan(DATA)
RECORDINGS = [e for e in ENTRIES if e.role == "recording"]
NETWORKS = [e for e in ENTRIES if e.role == "network"]


def _ids(entries: list[Entry]) -> list[str]:
    return [e.id for e in entries]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """The corpus, written once for this module: {id: path}."""
    return build(tmp_path_factory.mktemp("fuzz-corpus"), entries=ENTRIES)


@pytest.fixture(scope="module")
def warm():
    """Compile (or load from numba's cache) the event engine once, outside any timeout."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["run", str(CNN), "--input", str(TRACE), "--ticks", "5", "--quiet"])


# --------------------------------------------------------------------------------------
# one guarded call of the command line


class _Hang(BaseException):
    """Raised by the alarm when a command runs past CALL_TIMEOUT."""


@dataclass
class Outcome:
    argv: list[str]
    rc: int
    out: str
    err: str
    leaked: list[str]  # warnings that reached the top (the CLI would print them)

    @property
    def command(self) -> str:
        return "python -m neuroemu " + " ".join(self.argv)


def _vm_size() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


@contextlib.contextmanager
def _memory_cap():
    """Limit the address space to what the process holds plus MEMORY_HEADROOM."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        vm = _vm_size()
    except (ImportError, OSError, ValueError):
        vm = None
    if vm is None:
        yield
        return
    cap = vm + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise _Hang after ``seconds``; if even that cannot interrupt (a loop in C),
    faulthandler ends the process with every thread's stack a minute later."""
    def on_alarm(signum, frame):
        raise _Hang()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds + 60, exit=True, file=sys.__stderr__)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        faulthandler.cancel_dump_traceback_later()


def cli(argv, capsys) -> Outcome:
    """``main(argv)`` with a timeout and a memory cap; fails the test on a hang or on an
    exception escaping ``main``."""
    argv = [str(a) for a in argv]
    command = "python -m neuroemu " + " ".join(argv)
    capsys.readouterr()
    escaped = hang = None
    with _deadline(CALL_TIMEOUT), _memory_cap(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse: a usage error
            rc = exc.code if isinstance(exc.code, int) else 1
        except _Hang:
            hang = True
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - exactly what must not escape main
            escaped = exc
    if hang:
        pytest.fail(f"[hang] no answer within {CALL_TIMEOUT} s: {command}", pytrace=False)
    if escaped is not None:
        exc = escaped
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-12:])
        pytest.fail(f"[traceback] {type(exc).__name__}: {_first(str(exc))}\n  {command}\n{tb}",
                    pytrace=False)
    out, err = capsys.readouterr()
    leaked = [f"{w.category.__name__}: {w.message}" for w in caught
              if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    return Outcome(argv, int(rc), out, err, leaked)


def _first(text: str, n: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= n else line[:n - 3] + "..."


# --------------------------------------------------------------------------------------
# what every outcome must satisfy


def check(res: Outcome, entry: Entry, expect: str, named: list[Path]) -> None:
    """Exit status, the one error line and the file it names."""
    cmd = res.command
    if "Traceback" in res.err:
        pytest.fail(f"[traceback in stderr] {cmd}\n{res.err[-3000:]}", pytrace=False)
    if res.rc not in (0, 1):
        pytest.fail(f"[exit {res.rc}] expected 0 or 1: {cmd}\nstderr: {res.err.strip()}",
                    pytrace=False)
    if expect == "error" and res.rc != 1:
        if entry.role == "recording" and entry.kind in FOREIGN:
            symptom = "wrong kind accepted"
        else:
            symptom = "accepted, expected an error"
        pytest.fail(f"[{symptom}] exit 0 for {entry.how}: {cmd}\nstdout: {res.out[:800]}",
                    pytrace=False)
    if res.rc != 1:
        return
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    if len(lines) != 1 or not lines[0].startswith("neuroemu: error: "):
        pytest.fail(f"[not one error line] {len(lines)} line(s) on stderr: {cmd}\n"
                    f"{res.err[:2000]}", pytrace=False)
    line = lines[0]
    if not any(str(p) in line or p.name in line for p in named):
        pytest.fail(f"[file not named] the error does not name {named[0].name}: {cmd}\n{line}",
                    pytrace=False)
    if entry.says and entry.says.lower() not in line.lower():
        pytest.fail(f"[does not say {entry.says}] {cmd}\n{line}", pytrace=False)
    if res.leaked:
        pytest.fail(f"[warning leaked] the CLI would print {len(res.leaked)} more line(s): "
                    f"{cmd}\n{res.leaked[0][:300]}", pytrace=False)


def check_events(res: Outcome, entry: Entry, events: int) -> None:
    if entry.nonzero and events <= 0:
        pytest.fail(f"[zero events] exit 0 with 0 events from a file that holds events "
                    f"({entry.how}): {res.command}\n{res.out[:1500]}", pytrace=False)


def check_output(res: Outcome, folder: Path, target: Path) -> None:
    """A failed command leaves nothing in ``folder``; a successful one only ``target``."""
    left = sorted(p.name for p in folder.iterdir())
    if res.rc != 0 and left:
        pytest.fail(f"[leftover output] after exit {res.rc}, {folder} holds {left}: "
                    f"{res.command}", pytrace=False)
    if res.rc == 0:
        if not target.exists():
            pytest.fail(f"[no output] exit 0 but {target.name} was not written: {res.command}",
                        pytrace=False)
        extra = [n for n in left if n != target.name]
        if extra:
            pytest.fail(f"[leftover temporary file] {extra} beside {target.name}: "
                        f"{res.command}", pytrace=False)


def _out_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# --------------------------------------------------------------------------------------
# recordings


@pytest.mark.parametrize("entry", RECORDINGS, ids=_ids(RECORDINGS))
def test_events_info(entry, corpus, capsys):
    path = corpus[entry.id]
    fmt = ["--format", entry.fmt] if entry.fmt else []
    res = cli(["events", "info", path, *fmt], capsys)
    check(res, entry, entry.expect, [path])
    if res.rc == 0:
        found = re.search(r"^events\s+(\d+)\s*$", res.out, re.M)
        assert found, f"no 'events' row in the output of {res.command}:\n{res.out}"
        check_events(res, entry, int(found.group(1)))


@pytest.mark.parametrize("entry", RECORDINGS, ids=_ids(RECORDINGS))
def test_events_info_lenient(entry, corpus, capsys):
    path = corpus[entry.id]
    fmt = ["--format", entry.fmt] if entry.fmt else []
    res = cli(["events", "info", path, "--lenient", "--json", *fmt], capsys)
    check(res, entry, entry.expect_lenient, [path])
    if res.rc == 0:
        meta = json.loads(res.out)
        check_events(res, entry, int(meta["events"]))
        for side in ("width", "height"):
            if meta[side] is not None and not (isinstance(meta[side], int) and meta[side] > 0):
                pytest.fail(f"[bad sensor size] {side} = {meta[side]!r} accepted "
                            f"({entry.how}): {res.command}", pytrace=False)


RUN_RECORDINGS = [e for e in RECORDINGS if e.run]


@pytest.mark.parametrize("entry", RUN_RECORDINGS, ids=_ids(RUN_RECORDINGS))
def test_run_on_recording(entry, corpus, capsys, tmp_path, warm):
    path = corpus[entry.id]
    folder = _out_folder(tmp_path)
    target = folder / "run.h5"
    fmt = ["--input-format", entry.fmt] if entry.fmt else []
    res = cli(["run", CNN, "--input", path, *fmt, "--ticks", "50", "--quiet", "-o", target],
              capsys)
    # a recording that may be read can still not fit the network: then the error may
    # name either file
    check(res, entry, entry.expect, [path] if entry.expect == "error" else [path, CNN])
    check_output(res, folder, target)


# --------------------------------------------------------------------------------------
# networks


@pytest.mark.parametrize("entry", NETWORKS, ids=_ids(NETWORKS))
def test_info(entry, corpus, capsys):
    path = corpus[entry.id]
    res = cli(["info", path, *entry.args], capsys)
    check(res, entry, entry.expect, [path])


IMPORTS = [e for e in NETWORKS if e.imports]


@pytest.mark.parametrize("entry", IMPORTS, ids=_ids(IMPORTS))
def test_import(entry, corpus, capsys, tmp_path):
    path = corpus[entry.id]
    folder = _out_folder(tmp_path)
    target = folder / "net.h5"
    res = cli(["import", path, *entry.args, "-o", target], capsys)
    check(res, entry, entry.expect, [path])
    check_output(res, folder, target)


RUN_NETWORKS = [e for e in NETWORKS if e.run]


@pytest.mark.parametrize("entry", RUN_NETWORKS, ids=_ids(RUN_NETWORKS))
def test_run_network(entry, corpus, capsys, tmp_path, warm):
    path = corpus[entry.id]
    folder = _out_folder(tmp_path)
    target = folder / "run.h5"
    res = cli(["run", path, *entry.args, "--input", TRACE, "--ticks", "20", "--quiet",
               "-o", target], capsys)
    check(res, entry, entry.expect, [path] if entry.expect == "error" else [path, TRACE])
    check_output(res, folder, target)


# --------------------------------------------------------------------------------------
# the corpus itself


def test_corpus_uses_the_shared_data(shared_data):
    """Skipped, saying why, when the shared data folder is absent (the corpus then holds
    only what is made from models/, traces/ and generated files)."""
    assert sum(e.source.startswith(str(shared_data)) for e in ENTRIES) > 50


def test_corpus_is_deterministic(tmp_path):
    def digests(folder):
        paths = build(folder, entries=plan(DATA))
        return {i: hashlib.sha256(p.read_bytes()).hexdigest() for i, p in paths.items()}

    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_corpus_ids_are_unique_and_entries_complete():
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)
    for e in ENTRIES:
        assert e.role in ("recording", "network")
        assert e.expect in ("error", "either") and e.expect_lenient in ("error", "either")
        assert e.make is not None


SUBPROCESS = [e for e in ENTRIES if e.id in ("rec-cnnh5-as-bin", "net-example-cut-8",
                                             "net-example-weight-2e40-chunked")]


@pytest.mark.parametrize("entry", SUBPROCESS, ids=_ids(SUBPROCESS))
def test_one_error_line_from_a_real_process(entry, corpus):
    """The same, as a user runs it: what reaches the terminal (warnings included)."""
    import subprocess

    path = corpus[entry.id]
    argv = ["events", "info", str(path)] if entry.role == "recording" else ["info", str(path)]
    proc = subprocess.run([sys.executable, "-m", "neuroemu", *argv], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 1, proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuroemu: error: "), proc.stderr
    assert path.name in lines[0]
