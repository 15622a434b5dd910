"""The jit decorators of the package: compiled on first call, cached on disk.

One version per set of argument types: numba compiles a function once for each version
of its arguments' types, and it types a constant as a type of its own (a literal) until
it knows better. A count that starts at 0 and is passed to a compiled function in a loop
compiled that function once for the literal 0 and once for int64; a ``prange`` index
(unsigned in the loop's compiled body) once more for uint64. So such counts start at
``np.int64(0)`` and ``prange`` indices are cast: the first run of the shipped example
compiled 43 versions of the kernel's functions instead of 53, in 39.7-42.6 s instead of
48.3-56.6 s (6 runs each, alternated). ``tools/bench_compile.py`` counts such versions;
its slow test (``pytest -m slow tests/engine/test_kernel_cache.py``) fails on any in the
README's two examples.
"""

from numba import njit

jit = njit(cache=True, nogil=True)

#: the event kernel's (:mod:`.event`, :mod:`.threaded`): compiled without numba's
#: reference counting of arrays (``_nrt=False``), since the kernel allocates nothing.
#: numba counts the references to every array passed to a function it calls, with atomic
#: operations when the call starts and ends, and removes only some of those pairs (not
#: where the function may raise an exception, as ``t % q_len.size`` may). At a tenth of
#: the input of ``tools/bench_engine.py``'s W1 they took 23 % of the kernel's samples
#: (``perf``), 8 % at the full input; without them a tick at a tenth took 4.3-4.8 us
#: instead of 5.5-6.1 us (runs of 5,000 ticks, alternated). numba compiles what such a
#: function calls with the same option, so nothing the kernel calls may allocate (numba
#: refuses to compile an allocation without reference counting): it sorts with its own
#: heap sorts. ``_nrt`` is an option of numba's CPU target that its own tests use, not a
#: documented one.
kjit = njit(cache=True, nogil=True, _nrt=False)

#: for a small function called once for each synapse segment, spike or event: numba
#: inlines it where it is called (a spike queued by a call took 3 to 4 times as long,
#: measured when numba still counted references)
ijit = njit(cache=True, nogil=True, inline="always", _nrt=False)

#: for a function whose ``prange`` loop is spread over numba's threads
pjit = njit(cache=True, nogil=True, parallel=True, _nrt=False)
