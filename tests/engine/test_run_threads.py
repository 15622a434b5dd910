"""Which version of the event kernel a run takes: the one without threads, which compiles in
about half the time, or the threaded one (``engine.event.run_threads``)."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from randnet import random_case

from neuroemu.engine import event, simulate
from neuroemu.engine.event import can_spread, kernel_view, run_threads
from neuroemu.engine.kernels.columns import Q_HI, Q_LO, Q_MODEL
from neuroemu.mapping.codes import MODEL_INPUT

needs_two = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2,
                               reason="numba has one thread here")


def _case(seed=3):
    return random_case(np.random.default_rng(seed))


def test_one_thread_and_a_network_that_cannot_spread_take_the_version_without_threads(
        monkeypatch):
    """A run on one thread, and on any threads a network none of whose ticks could reach
    the thresholds for spreading, starts and stays on one thread; a network that could,
    asked for two, runs on two."""
    monkeypatch.setattr(event, "check_threads", lambda threads: threads or 2)
    cfg, _, _ = _case()
    knet = kernel_view(cfg)
    assert not can_spread(knet)  # a few hundred synapses and neurons
    assert run_threads(cfg, 1) == (1, 1)
    assert run_threads(cfg, 2) == (1, 1)
    assert run_threads(cfg, None) == (1, 1)
    assert can_spread(knet, (0, 0, 0))
    assert run_threads(cfg, 1, (0, 0, 0)) == (1, 1)
    assert run_threads(cfg, 2, (0, 0, 0)) == (2, 2)
    # each of the three thresholds on its own
    synapses = int(knet.syn_ptr[-1])
    ppar = knet.ppar
    size = np.where(ppar[:, Q_MODEL] != MODEL_INPUT, ppar[:, Q_HI] - ppar[:, Q_LO], 0)
    largest, neurons = int(size.max()), int(size.sum())
    assert 0 < largest < neurons < cfg.n_neurons  # an input population and two others
    assert can_spread(knet, (synapses, 10**9, 10**9))
    assert not can_spread(knet, (synapses + 1, 10**9, 10**9))
    assert can_spread(knet, (10**9, largest, 10**9))
    assert not can_spread(knet, (10**9, largest + 1, 10**9))
    # a tick spread whole: its synapses and half its neurons' updates
    assert can_spread(knet, (10**9, 10**9, synapses + neurons // 2))
    assert not can_spread(knet, (10**9, 10**9, synapses + neurons // 2 + 1))


def test_by_default_a_run_starts_on_threads_once_their_version_is_compiled(monkeypatch):
    """By default a run goes on the process's cores at once only if the threaded version
    is loaded or cached; otherwise it starts on one thread, and may go on with them."""
    monkeypatch.setattr(event, "check_threads", lambda threads: threads or 2)
    cfg, _, _ = _case()
    compiled = {True: False, False: False}
    monkeypatch.setattr(event, "_compiles", lambda types, threaded: not compiled[threaded])
    assert run_threads(cfg, None, (0, 0, 0)) == (1, 2)
    assert run_threads(cfg, 2, (0, 0, 0)) == (2, 2)  # asked for: on them at once
    compiled[True] = True
    assert run_threads(cfg, None, (0, 0, 0)) == (2, 2)


def test_the_first_compile_says_how_long_each_version_takes(monkeypatch):
    """The note before a compile gives the version's time; the threaded version's is
    longer when the other is not compiled either (it compiles their common steps too)."""
    monkeypatch.setattr(event, "check_threads", lambda threads: threads or 2)
    monkeypatch.setattr(event, "can_spread", lambda knet, thread_min=None: True)
    cfg, _, _ = _case()
    compiled = {True: False, False: False}
    monkeypatch.setattr(event, "_compiles", lambda types, threaded: not compiled[threaded])
    assert f"about {event.COMPILE_S} s" in event.compile_notice(cfg, threads=1)
    assert "threaded" not in event.compile_notice(cfg, threads=1)
    note = event.compile_notice(cfg, threads=2)
    assert "threaded version" in note and f"about {event.THREADED_ALONE_S} s" in note
    compiled[False] = True
    assert event.compile_notice(cfg, threads=1) is None
    assert f"about {event.THREADED_COMPILE_S} s" in event.compile_notice(cfg, threads=2)
    compiled[True] = True
    assert event.compile_notice(cfg, threads=2) is None


@needs_two
def test_a_default_run_goes_on_with_threads_after_as_long_as_their_compile(monkeypatch):
    """A default run whose threaded version is not compiled starts on one thread and, once
    it has run as long as that compile takes, compiles it, says so and goes on spread:
    the same bits as a run on one thread. The clock here moves a second each time it is
    read, and the compile takes three."""
    import inspect
    import types

    from neuroemu.engine.kernels import event as kernel

    cfg, stim, ticks = _case(11)
    one = simulate(cfg, stim, ticks, threads=1, chunk_ticks=4)
    monkeypatch.setattr(event, "check_threads", lambda threads: threads or 2)
    monkeypatch.setattr(event, "THREADED_COMPILE_S", 3)
    monkeypatch.setattr(event, "_compiles", lambda types, threaded: True)
    clock = iter(range(10**6))
    monkeypatch.setattr(event, "time", types.SimpleNamespace(perf_counter=lambda: next(clock)))
    names = list(inspect.signature(kernel.run_ticks.py_func).parameters)
    at = [names.index(name) for name in ("threads", "t0", "t1")]
    calls = []
    real = kernel.run_ticks

    class Spy:
        """The kernel, noting the threads of each call that runs ticks."""
        signatures = property(lambda self: real.signatures)

        def __call__(self, *args):
            threads, t0, t1 = (args[i] for i in at)
            if t1 > t0:
                calls.append(threads)
            return real(*args)

    monkeypatch.setattr(kernel, "run_ticks", Spy())
    notes = []
    got = simulate(cfg, stim, ticks, chunk_ticks=4, thread_min=(0, 0, 0), note=notes.append)
    first = calls.index(2)
    assert first >= 2 and calls[:first] == [None] * first and set(calls[first:]) == {2}
    assert len(notes) == 1 and "threaded version" in notes[0]
    assert "goes on with 2 threads" in notes[0]
    for name in ("spike_tick", "spike_neuron", "spike_value", "v", "u", "refractory", "count"):
        assert np.array_equal(getattr(one, name), getattr(got, name)), name
    assert one.counters.keys() == got.counters.keys()
    for name in one.counters:
        assert np.array_equal(one.counters[name], got.counters[name]), name
    assert one.spike_tick.size > 0


def test_a_version_is_told_by_its_tables_and_whether_it_is_threaded():
    """numba's signatures of the kernel: the tables' dtypes first, and None or a number
    where it takes ``threads``."""
    from numba import types

    at = event._threads_arg()
    array = {name: types.Array(getattr(types, name), 1, "C") for name in ("int16", "int32")}

    def signature(first, threads):
        return (array[first], array["int32"]) + (types.int64,) * (at - 2) + (
            threads, types.int64)
    plain, threaded = signature("int16", types.none), signature("int16", types.int64)
    assert event._has_version(("int16", "int32"), [plain], False)
    assert not event._has_version(("int16", "int32"), [plain], True)
    assert event._has_version(("int16", "int32"), [threaded], True)
    assert not event._has_version(("int16", "int32"), [threaded], False)
    assert not event._has_version(("int32", "int32"), [plain, threaded], False)
    assert event._has_version(None, [plain], False)  # any tables
    assert not event._has_version(None, [plain], True)


def test_a_version_found_missing_is_looked_for_again_when_it_is_loaded_or_the_cache_changes(
        monkeypatch):
    """A version found neither loaded nor cached is not looked for again in this process
    (reading numba's index took 0.1 ms of each run) until a run loads it or the index
    changes; any version (no tables) is always looked for."""
    version = ("no such dtype",)
    looked = []
    has_version = event._has_version
    monkeypatch.setattr(event, "_has_version",
                        lambda *a: looked.append(a[0]) or has_version(*a))
    assert event._compiles(version, True)
    assert version in looked
    looked.clear()
    assert event._compiles(version, True)
    assert looked == []  # remembered
    monkeypatch.setattr(event, "_changed", lambda path: -1)  # the index changed
    assert event._compiles(version, True)
    assert looked
    event._note_loaded(version, True)
    assert not event._compiles(version, True)
    event._LOADED.discard((version, True))
    monkeypatch.setattr(event, "_has_version", lambda *a: False)  # no version anywhere
    assert event._compiles(None, True)
    assert (None, True) not in event._MISSING
