"""Progress of long work on stderr: a bar (tqdm) for runs, evaluations and tables.

A bar appears only on a terminal and only for work that has taken more than a
second; notes (such as "compiling the event kernel") are said whenever
progress is on. ``progress=False`` (``--quiet``, ``--json``) silences both.
"""

from __future__ import annotations

import sys

#: seconds before a bar appears (short work shows none)
DELAY_S = 1.0


class Progress:
    """Reports ``(done, total)`` as a bar; callable, as the engines expect.

    Parameters
    ----------
    enabled : bool
    desc : str
        What is counted, e.g. 'running'.
    unit : str
        One item, e.g. 'tick' or 'sample'.
    total : int, optional
        Items in all (None: a counter without an end).
    """

    def __init__(self, enabled: bool = True, desc: str = "running", unit: str = "tick",
                 total: int | None = None):
        self.enabled = bool(enabled)
        self.desc, self.unit, self.total = desc, unit, total
        self._bar = None
        self._done = 0

    def note(self, text: str) -> None:
        """Say ``text`` on stderr (when enabled), above any bar."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(f"neuroemu: {text}", file=sys.stderr)
        else:
            print(f"neuroemu: {text}", file=sys.stderr, flush=True)

    def __call__(self, done: int, total: int | None = None) -> None:
        """``done`` items of ``total`` so far."""
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total if total is not None else self.total, desc=self.desc,
                             unit=self.unit, file=sys.stderr, delay=DELAY_S, disable=None,
                             leave=False, dynamic_ncols=True)
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def as_progress(progress, **kwargs) -> Progress:
    """A :class:`Progress` from ``progress``: True/False, or one given (kept as is)."""
    if isinstance(progress, Progress):
        return progress
    return Progress(bool(progress), **kwargs)
