"""numba kernels. Only this package imports numba."""
