"""Arithmetic in int32 for the kernels: numba widens every integer operation to int64,
so a loop over int32 registers works in 64-bit lanes, eight to a 512-bit vector register
instead of sixteen. These operations stay in 32 bits and wrap on overflow, as two's
complement does: a caller either keeps its values in int32
(:func:`neuroemu.engine.event.register_type`) or finds where a sum wrapped
(:func:`.threaded.whole_neuron32`)."""

from numba.core import types
from numba.extending import intrinsic


def _int32_op(name: str):
    """The intrinsic ``op(a, b)`` of LLVM's instruction ``name`` on int32 operands (numba
    converts other integers to int32 first)."""
    def typer(typingctx, a, b):
        def codegen(context, builder, signature, args):
            return getattr(builder, name)(args[0], args[1])
        return types.int32(types.int32, types.int32), codegen
    typer.__name__ = f"{name.rstrip('_')}32"
    return intrinsic(typer)


add32 = _int32_op("add")
sub32 = _int32_op("sub")
mul32 = _int32_op("mul")
#: arithmetic shift right (the sign kept)
sra32 = _int32_op("ashr")
and32 = _int32_op("and_")
or32 = _int32_op("or_")
xor32 = _int32_op("xor")
