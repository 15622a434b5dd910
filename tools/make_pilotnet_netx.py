"""Write a lava-dl netx file (``.net``) with PilotNet's layers and random integer weights.

PilotNet (Bojarski et al. 2016, 'End to end learning for self-driving cars',
arXiv 1604.07316, Fig. 4): a 3 x 66 x 200 image, five convolutions (24, 36, 48
channels of 5 x 5 at stride 2; 64 and 64 of 3 x 3), then dense layers of 1164,
100, 50 and 10 neurons and one output: 108,000 neurons and 29 million synapses
once the convolutions are laid out synapse by synapse. The layers are Loihi
CUBA neurons as lava-dl saves them (the tinynet sample's neuron parameters);
the weights are random whole numbers (seeded), so the file measures what the
network costs a chip, not what it computes. The input layer is driven by a
random ``input_bias`` image written beside it (``--bias``, (x, y, c) as Lava
holds it).

    python tools/make_pilotnet_netx.py /tmp/pilotnet.net --bias /tmp/pilotnet_bias.npy
    neuroemu run /tmp/pilotnet.net --profile loihi2 --input-bias /tmp/pilotnet_bias.npy \\
        --ticks 8
"""

from __future__ import annotations

import argparse
import sys

import h5py
import numpy as np

INPUT = (3, 66, 200)
#: (out channels, kernel, stride) of each convolution
CONVS = ((24, 5, 2), (36, 5, 2), (48, 5, 2), (64, 3, 1), (64, 3, 1))
DENSE = (1164, 100, 50, 10, 1)
NEURON = {"type": "LOIHI", "iDecay": 4096, "vDecay": 1024, "vThMant": 25, "refDelay": 1,
          "wgtExp": 0}


def _neuron(g) -> None:
    n = g.create_group("neuron")
    for key, val in NEURON.items():
        if key == "type":
            n.create_dataset(key, data=val, dtype=h5py.string_dtype())
        else:
            n.create_dataset(key, data=np.int64(val))


def _kind(g, kind: str) -> None:
    g.create_dataset("type", data=np.array([kind.encode()], dtype="S10"))


def write_pilotnet(path, seed: int = 0) -> tuple[int, ...]:
    """Write the network to ``path``; returns the input shape (C, H, W)."""
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as f:
        sim = f.create_group("simulation")
        sim.create_dataset("Ts", data=np.int64(1))
        sim.create_dataset("tSample", data=np.int64(16))
        g = f.create_group("layer/0")
        _kind(g, "input")
        g.create_dataset("shape", data=np.array(INPUT, np.int64))
        g.create_dataset("weight", data=np.array([1.0], np.float32))
        g.create_dataset("bias", data=np.array([0.0], np.float32))
        _neuron(g)
        shape = INPUT
        lid = 1
        for i, (c_out, k, s) in enumerate(CONVS):
            h, w = (shape[1] - k) // s + 1, (shape[2] - k) // s + 1
            g = f.create_group(f"layer/{lid}")
            _kind(g, "conv")
            # excitatory on average in the first layer (so the image drives it), balanced after
            lo, hi = (-2, 5) if i == 0 else (-3, 4)
            wt = rng.integers(lo, hi, size=(c_out, shape[0], k, k, 1)).astype(np.float32)
            g.create_dataset("weight", data=wt)
            g.create_dataset("bias", data=np.zeros(c_out, np.float32))
            for key, val in (("kernelSize", (k, k)), ("stride", (s, s)), ("padding", (0, 0)),
                             ("dilation", (1, 1))):
                g.create_dataset(key, data=np.array(val, np.int64))
            g.create_dataset("groups", data=np.int64(1))
            g.create_dataset("inChannels", data=np.int64(shape[0]))
            g.create_dataset("outChannels", data=np.int64(c_out))
            shape = (c_out, h, w)
            g.create_dataset("shape", data=np.array(shape, np.int64))
            _neuron(g)
            lid += 1
        g = f.create_group(f"layer/{lid}")
        _kind(g, "flatten")
        g.create_dataset("shape", data=np.array([int(np.prod(shape)), 1, 1], np.int64))
        lid += 1
        n_in = int(np.prod(shape))
        for n_out in DENSE:
            g = f.create_group(f"layer/{lid}")
            _kind(g, "dense")
            wt = rng.integers(-3, 4, size=(n_out, n_in)).astype(np.float32)
            g.create_dataset("weight", data=wt)
            g.create_dataset("bias", data=np.zeros(n_out, np.float32))
            g.create_dataset("shape", data=np.array([n_out, 1, 1], np.int64))
            _neuron(g)
            n_in = n_out
            lid += 1
    return INPUT


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="the .net file to write")
    ap.add_argument("--bias", default=None, metavar="FILE.npy",
                    help="also write a random input_bias image (x, y, c) here")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    c, h, w = write_pilotnet(args.out, args.seed)
    if args.bias:
        rng = np.random.default_rng(args.seed + 1)
        np.save(args.bias, rng.integers(0, 60, size=(w, h, c)).astype(np.int64))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
