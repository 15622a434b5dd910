"""Write the N-MNIST example: ``models/nmnist_cnn.h5`` and ``traces/nmnist_4.aedat``.

The network is the NIR paper's N-MNIST spiking CNN trained with Sinabs
(``shared/data/nir/cnn_nmnist/cnn_sinabs.nir``: conv 2->16 5x5/2, IF; conv
16->16 3x3, IF; sumpool 2; conv 16->8 3x3, IF; sumpool 2; flatten; affine
128->256, IF; affine 256->10, IF), imported with
:func:`neuroemu.networks.nir_import.read_nir` (IF neurons have no time constant,
so no ``dt`` is needed) and written with the Loihi profile as its suggestion.
Sinabs numbers its nodes; the import names the populations ``input``, ``conv1``,
``conv2``, ``conv3``, ``fc1`` and ``fc2`` (NIR nodes ``1``, ``3``, ``6``, ``10``,
``12``), and the readout is ``fc2``.

The recording is one real N-MNIST test digit, a "4" (tonic's test sample,
``shared/data/aedat/nmnist_sample.bin``, 34 x 34 ATIS, 4,325 events over
0.31 s), rewritten as an AEDAT file. AEDAT 2.0 (jAER) only has address
layouts for the DVS128 and DAVIS sensors, not for N-MNIST's 34 x 34 sensor,
so the file is AEDAT 2.0 when the writer accepts a 34 x 34 sensor and AEDAT 4.0
(which stores any size) otherwise; readers choose the format from the file's
content, not its name. The events are unchanged (checked by reading back).

    python tools/make_nmnist_example.py
    neuroemu run models/nmnist_cnn.h5 --input traces/nmnist_4.aedat   # class 4
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEUROEMU_DATA") or ROOT.parent / "shared" / "data")
NIR_FILE = SHARED / "nir" / "cnn_nmnist" / "cnn_sinabs.nir"
DIGIT = SHARED / "aedat" / "nmnist_sample.bin"
MODEL = ROOT / "models" / "nmnist_cnn.h5"
TRACE = ROOT / "traces" / "nmnist_4.aedat"


def build_network():
    """The imported CNN (float weights, IF neurons firing on v > 1, reset to 0)."""
    from neuroemu.networks.nir_import import read_nir

    return read_nir(NIR_FILE)


def write_digit(path=TRACE) -> str:
    """Write the digit; returns the format written ('AEDAT 2.0' or 'AEDAT 4.0')."""
    from neuroemu.errors import FormatError
    from neuroemu.recordings import read_events, write_aedat2, write_aedat4

    events, meta = read_events(DIGIT)
    try:
        write_aedat2(path, events, meta.width, meta.height)
    except FormatError:
        write_aedat4(path, events, meta.width, meta.height)
    back, back_meta = read_events(path)
    if not np.array_equal(back, events) or (back_meta.width, back_meta.height) != (
            meta.width, meta.height):
        raise SystemExit(f"{path}: the events read back differ from {DIGIT}")
    return back_meta.format


def main() -> int:
    from neuroemu.networks.network_h5 import write_network

    net = build_network()
    MODEL.parent.mkdir(exist_ok=True)
    TRACE.parent.mkdir(exist_ok=True)
    write_network(MODEL, net, profile="loihi")
    fmt = write_digit()
    for p in (MODEL, TRACE):
        size = p.stat().st_size
        print(f"wrote {p.relative_to(ROOT)} ({size} bytes)")
        if size >= 1 << 20:
            print(f"  warning: {p.name} is over 1 MB", file=sys.stderr)
    print(f"  {TRACE.name} is {fmt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
