"""Bit masks of 64 flags at once: one vector load and compare (on this project's AVX-512
machines, one ``vptestmb`` and a move of its mask), for scans of the whole update's
flags, of which few are set."""

from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from .memory import item_pointer

#: the bits of a whole update's flag for a neuron that fired (2) or overflowed (4)
EVENT = 6


@intrinsic
def event_mask(typingctx, flags, i):
    """A uint64 with bit ``j`` set where ``flags[i + j] & EVENT`` is not 0, for ``j`` in
    0..63 (``flags``: a 1-d int8 array with ``i + 64 <= flags.size``, not checked)."""
    if not (isinstance(flags, types.Array) and flags.ndim == 1
            and flags.dtype == types.int8):
        return None

    def codegen(context, builder, signature, args):
        ptr = item_pointer(context, builder, signature, args)
        vec_t = ir.VectorType(ir.IntType(8), 64)
        vec = builder.load(builder.bitcast(ptr, vec_t.as_pointer()), align=1)
        bits = builder.and_(vec, ir.Constant(vec_t, [EVENT] * 64))
        set_ = builder.icmp_unsigned("!=", bits, ir.Constant(vec_t, [0] * 64))
        return builder.bitcast(set_, ir.IntType(64))

    return types.uint64(flags, i), codegen
