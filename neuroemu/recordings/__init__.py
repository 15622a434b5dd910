"""Event-camera recordings: AEDAT 2.0, 3.1 and 4.0 and N-MNIST, into one event array.

:func:`open_events` and :func:`read_events` read any of them, chosen by content
(:mod:`.reader`); :func:`write_aedat2` and :func:`write_aedat4` write them
(:mod:`.writer`). Every reader gives :data:`EVENT_DTYPE` arrays (``t`` µs,
``x``, ``y`` from the top-left, ``p`` 1 = ON).
"""

from .base import EVENT_DTYPE, EventMeta, EventWarning, as_event_array, camera_geometry
from .reader import EventReader, detect_format, open_events, read_events
from .writer import write_aedat2, write_aedat4

__all__ = [
    "EVENT_DTYPE",
    "EventMeta",
    "EventReader",
    "EventWarning",
    "as_event_array",
    "camera_geometry",
    "detect_format",
    "open_events",
    "read_events",
    "write_aedat2",
    "write_aedat4",
]
