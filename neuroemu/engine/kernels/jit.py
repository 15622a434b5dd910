"""The jit decorators of the package: compiled on first call, cached on disk."""

from numba import njit

jit = njit(cache=True, nogil=True)

#: for a small function called once for each synapse segment, spike or event: numba
#: inlines it where it is called (numba counts the references to each array passed to a
#: function it calls, with atomic operations: a spike queued by a call took 3 to 4 times
#: as long)
ijit = njit(cache=True, nogil=True, inline="always")

#: for a function whose ``prange`` loop is spread over numba's threads
pjit = njit(cache=True, nogil=True, parallel=True)
