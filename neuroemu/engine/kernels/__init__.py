"""numba kernels. Only this package imports numba.

numba checks a kernel cached on disk against the file that defines it, not against
the modules whose functions and constants it uses: a kernel of ``event.py`` that
calls ``threaded.py`` would go on running the old code of ``threaded.py`` after an
edit or an upgrade that changed only that file. So each kernel module, once its
kernels are defined, calls :func:`check_cache`, which keeps beside numba's cache a
digest of every source the kernels are compiled from (:data:`SOURCES`) and drops
the cached kernels wherever the digest differs (they are compiled again, once).
A process still running the old sources when another drops the cache may cache a
kernel of the old code again under the new digest; a process started after an edit
or an upgrade never does.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

_HERE = Path(__file__).resolve().parent
#: what the kernels are compiled from: this package's modules and the codes they use
SOURCES = (*sorted(_HERE.glob("*.py")), _HERE.parent.parent / "mapping" / "codes.py")
#: the file, in numba's cache folder, that names the sources of the kernels cached there
STAMP = "kernels.sources"


def sources_digest(sources=SOURCES) -> str:
    """sha256 of the contents of ``sources``, in order."""
    h = hashlib.sha256()
    for path in sources:
        h.update(Path(path).read_bytes())
    return h.hexdigest()


def drop_stale_cache(folder, digest: str) -> bool:
    """Delete numba's cached kernels (``*.nbi``, ``*.nbc``) in ``folder`` unless they
    were compiled from sources of ``digest`` (its :data:`STAMP` file says so), and
    record ``digest`` there; returns whether any were dropped. A folder that cannot be
    written is left as it is."""
    folder = Path(folder)
    stamp = folder / STAMP
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    dropped = False
    try:
        for path in (*folder.glob("*.nbi"), *folder.glob("*.nbc")):
            path.unlink(missing_ok=True)
            dropped = True
        folder.mkdir(parents=True, exist_ok=True)  # so that the first kernels cached stay
        stamp.write_text(digest)
    except OSError:
        pass
    return dropped


@functools.cache
def _digest() -> str:
    """:func:`sources_digest` of :data:`SOURCES`, once per process."""
    return sources_digest()


def check_cache(dispatcher) -> None:
    """Drop the cached kernels of ``dispatcher``'s cache folder if they were compiled
    from other sources (module docstring); before any of them is loaded."""
    cache = getattr(dispatcher, "_cache", None)
    folder = getattr(cache, "_cache_path", None)
    if folder is not None:
        drop_stale_cache(folder, _digest())
