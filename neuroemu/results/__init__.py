"""What a run produced: the :class:`~.result.Result` and its trace file.

:mod:`.result` is the type; :mod:`.build` makes one from an engine's output;
:mod:`.recording` and :mod:`.records` record registers as a run goes;
:mod:`.trace_file` is the file (read back with :func:`neuroemu.load_run`).
"""

from .result import Energy, Result

__all__ = ["Energy", "Result"]
