"""Write an N-MNIST-style dataset folder, ``ROOT/<label>/<NNNNN>.bin``, from a real recording.

The project has one real N-MNIST test recording: ``traces/nmnist_4.aedat``, a
"4" (tonic's test sample, 34 x 34 ATIS, 4,325 events over 0.31 s, three
saccades). Recording ``i`` of the folder is that digit's events, changed with a
generator seeded by ``(seed, i)`` the way data augmentation changes them,
keeping the whole recording (as every N-MNIST recording, three saccades
over about 0.3 s):

* a shift on the sensor by ``dx, dy`` in -3..3 pixels (events shifted off the
  34 x 34 sensor are dropped);
* a random subset of 60 % to 100 % of the events (each kept with that chance).

So every recording is real sensor data of a real "4", and label 4 is its true
label. ``labels`` spreads the recordings round-robin over other label folders
too, for tests of how labels are read (a recording in folder ``7`` is still a
"4"; those labels are assigned, not true). Files are written in N-MNIST's own
5-byte format (:func:`neuroemu.recordings.writer.write_nmnist`) and named
``*.bin``, as N-MNIST's are.

    python tools/make_nmnist_folder.py OUT/Test --n 240
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "traces" / "nmnist_4.aedat"
#: the true label of the source recording
SOURCE_LABEL = 4
SENSOR = 34


def variant(events: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One changed copy of ``events`` (module docstring)."""
    ev = events.copy()
    dx, dy = (int(d) for d in rng.integers(-3, 4, size=2))
    x = ev["x"].astype(np.int64) + dx
    y = ev["y"].astype(np.int64) + dy
    keep = (x >= 0) & (x < SENSOR) & (y >= 0) & (y < SENSOR)
    keep &= rng.random(ev.size) < rng.uniform(0.6, 1.0)
    ev["x"] = np.clip(x, 0, SENSOR - 1)
    ev["y"] = np.clip(y, 0, SENSOR - 1)
    return ev[keep]


def build_folder(root, n: int = 240, labels=(SOURCE_LABEL,), seed: int = 0) -> list:
    """Write ``n`` recordings under ``root/<label>/``; returns ``[(relative path, label)]``.

    Recording ``i`` goes to folder ``labels[i % len(labels)]`` as ``{i:05d}.bin``.
    """
    from neuroemu.recordings import read_events
    from neuroemu.recordings.writer import write_nmnist

    events, _ = read_events(SOURCE)
    root = Path(root)
    out = []
    for i in range(n):
        label = int(labels[i % len(labels)])
        path = root / str(label) / f"{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_nmnist(path, variant(events, np.random.default_rng([seed, i])))
        out.append((path.relative_to(root).as_posix(), label))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("root", help="the folder to write (e.g. NMNIST/Test)")
    p.add_argument("--n", type=int, default=240, help="recordings (default 240)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    rows = build_folder(args.root, args.n, seed=args.seed)
    print(f"wrote {len(rows)} recordings under {args.root}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
