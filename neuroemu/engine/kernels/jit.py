"""The jit decorators of the package: compiled on first call, cached on disk."""

from numba import njit

jit = njit(cache=True, nogil=True)

#: for a function whose ``prange`` loop is spread over numba's threads
pjit = njit(cache=True, nogil=True, parallel=True)
