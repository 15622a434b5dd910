"""Network files: neuroemu's own ``net.h5``, NIR graphs and lava-dl netx files, into the IR.

:func:`~.loader.load_network` opens any of them, chosen by content;
:mod:`.network_h5` reads and writes ``net.h5``; :mod:`.nir_import` and
:mod:`.nir_export` translate NIR graphs; :mod:`.netx` reads lava-dl networks.
"""
