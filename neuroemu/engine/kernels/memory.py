"""Prefetching for the kernels: a hint to the processor to bring an array's element into
its caches before it is read (LLVM's ``llvm.prefetch``), for reads whose address the
kernel knows a step ahead but the processor cannot guess."""

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic


def item_pointer(context, builder, signature, args):
    """In an intrinsic's code of ``(arr, i)``: the address of ``arr[i]`` (a 1-d array),
    unchecked."""
    aryty = signature.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    idx = context.cast(builder, args[1], signature.args[1], types.intp)
    return cgutils.get_item_pointer(context, builder, aryty, ary, [idx], wraparound=False,
                                    boundscheck=False)


@intrinsic
def prefetch(typingctx, arr, i):
    """Bring ``arr[i]`` (a 1-d array) towards the processor; no effect on values, and
    none if ``i`` is past the array's end (a prefetch never faults)."""
    if not isinstance(arr, types.Array) or arr.ndim != 1:
        return None

    def codegen(context, builder, signature, args):
        ptr = item_pointer(context, builder, signature, args)
        i32 = ir.IntType(32)
        byte_ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        # read, keep in all levels, data cache
        builder.call(fn, [builder.bitcast(ptr, byte_ptr), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, i), codegen
