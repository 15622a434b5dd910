"""The one jit decorator of the package: compiled on first call, cached on disk."""

from numba import njit

jit = njit(cache=True, nogil=True)
