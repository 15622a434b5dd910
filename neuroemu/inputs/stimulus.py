"""Input spikes for the engines: (tick, channel, value), one entry per channel and tick."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


@dataclass(frozen=True, eq=False)
class Stimulus:
    """Spikes of the input population, sorted by (tick, channel), no repeats.

    ``value`` is the spike's payload: 1 for a plain spike, or the number of
    events that fell on the channel in that tick (``binning='count'``).
    """

    tick: np.ndarray  # int64 (E,)
    channel: np.ndarray  # int64 (E,)
    value: np.ndarray  # int64 (E,)
    n_channels: int
    binning: str = "count"
    dropped: int = 0  # events merged by binning='clip'

    @property
    def last_tick(self) -> int:
        return int(self.tick[-1]) if self.tick.size else -1

    def __len__(self) -> int:
        return int(self.tick.size)


def make_stimulus(tick, channel, n_channels: int, value=None, binning: str = "count",
                  where: str = "input") -> Stimulus:
    """Sort, check and merge ``(tick, channel[, value])`` spikes.

    Several spikes on one channel in one tick add up (``binning='count'``) or
    count once (``binning='clip'``).
    """
    tick = np.asarray(tick).reshape(-1)
    channel = np.asarray(channel).reshape(-1)
    if tick.size != channel.size:
        raise InputError(f"{where}: {tick.size} ticks but {channel.size} channels")
    if tick.size and (tick.dtype.kind not in "iu" or channel.dtype.kind not in "iu"):
        raise InputError(f"{where}: ticks and channels must be integers "
                         f"(got {tick.dtype}, {channel.dtype})")
    tick = tick.astype(np.int64)
    channel = channel.astype(np.int64)
    if value is None:
        value = np.ones(tick.size, np.int64)
    value = np.asarray(value).reshape(-1)
    if value.size != tick.size:
        raise InputError(f"{where}: {tick.size} ticks but {value.size} values")
    if value.size and (value.dtype.kind not in "iu" and not np.all(value == np.round(value))):
        raise InputError(f"{where}: spike values must be whole numbers (found "
                         f"{value[value != np.round(value)][0]})")
    value = value.astype(np.int64)
    if tick.size:
        if tick.min() < 0:
            raise InputError(f"{where}: tick {tick.min()} found, ticks start at 0")
        bad = (channel < 0) | (channel >= n_channels)
        if bad.any():
            raise InputError(
                f"{where}: channel {channel[bad][0]} found, the input population has "
                f"{n_channels} channels (0..{n_channels - 1})"
            )
    if binning not in ("count", "clip"):
        raise InputError(f"{where}: binning {binning!r} is not 'count' or 'clip'")
    key = tick * n_channels + channel
    uniq, inverse = np.unique(key, return_inverse=True)
    if binning == "count":
        merged = np.zeros(uniq.size, np.int64)
        np.add.at(merged, inverse, value)
    else:  # one spike per channel and tick, keeping the sign of what was merged
        total = np.zeros(uniq.size, np.int64)
        np.add.at(total, inverse, value)
        merged = np.sign(total)
    keep = merged != 0
    return Stimulus(
        tick=uniq[keep] // n_channels, channel=uniq[keep] % n_channels, value=merged[keep],
        n_channels=n_channels, binning=binning,
        dropped=int(tick.size - uniq.size) if binning == "clip" else 0,
    )
