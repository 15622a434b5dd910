"""Train the convolutional QCFS network on the 8 x 8 digits; write it under ``models/``.

Same data and split as ``tools/train_digits.py`` (scikit-learn's digits, 1,437
training and 360 test scans). The network is a small residual CNN on the
``1 x 8 x 8`` image (``input_scale`` 1/16)::

    conv 1->8 3x3 pad 1, QCFS                    (layer 1)
    conv 8->8 3x3 pad 1, + layer 1's output, QCFS (an identity shortcut)
    avgpool 2, conv 8->16 3x3 pad 1, QCFS
    avgpool 2, flatten, dense 64->10

It is trained with PyTorch (the optional ``train`` extra): first with ReLU,
then each λ is set to the power of two nearest the layer's 99th percentile
activation and the network is fine-tuned with QCFS activations (L levels) and
fake-quantized weights, so that every integer weight of the converted network
(:func:`neuroemu.convert.qcfs.integer_qcfs`, the shortcut included) fits 8
signed bits: the stored weights are dyadic, the float QCFS ANN and its integer
form agree exactly, and PASCAL reproduces it bit for bit on Loihi's synapses.
The floor and the weight rounding pass gradients straight through; the clip
passes them inside [0, λ]. Fixed seeds, one CPU thread; about half a minute.

``models/digits_cnn_qcfs_L4.npz``  the network above with L = 4 (neuroemu's .npz)

    pip install -e ".[train]"
    python tools/train_digits_cnn.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neuroemu.convert.ann import ANN, Layer, save_ann  # noqa: E402
from neuroemu.convert.qcfs import integer_qcfs  # noqa: E402

SCALE = 1.0 / 16.0
W_BITS = 8
SEED = 0
LEVELS = 4
# (kind, shape, pool factor of what feeds it: 1/4 after a 2x2 average pool)
STAGES = [("conv", (8, 1, 3, 3), 1.0), ("conv", (8, 8, 3, 3), 1.0),
          ("conv", (16, 8, 3, 3), 0.25), ("dense", (10, 64), 0.25)]


def load_split():
    sys.path.insert(0, str(ROOT / "tools"))
    from train_digits import load_split as split

    return split()


def build(torch):
    """The parameters: a list of (weight, bias) tensors, one pair per stage."""
    gen = torch.Generator().manual_seed(SEED)
    params = []
    for _, shape, _ in STAGES:
        fan_in = int(np.prod(shape[1:]))
        w = torch.randn(shape, generator=gen) * np.sqrt(2.0 / fan_in)
        params.append([w.requires_grad_(), torch.zeros(shape[0], requires_grad=True)])
    return params


def quantized(torch, params, lam):
    """Weights on the power-of-two grid D of each stage: |ω D| <= 127, straight-through."""
    out = []
    c = [SCALE] + [lm / LEVELS for lm in lam]  # value of one count of each activation
    for k, ((w, b), (_, _, pool)) in enumerate(zip(params, STAGES)):
        g = LEVELS / lam[k] if k < len(lam) else 1.0
        f = c[k] * g * pool
        wmax = float(torch.max(torch.abs(w.detach() * f)))
        D = 2.0 ** np.floor(np.log2(((1 << (W_BITS - 1)) - 1) / wmax))
        wq = torch.round(w * f * D) / (f * D)
        bq = torch.round(b * g * D) / (g * D)
        out.append((w + (wq - w).detach(), b + (bq - b).detach()))
    return out


def forward(torch, params, x, lam=None):
    """Class scores and the hidden activations; QCFS (straight-through) when ``lam`` is given."""
    F = torch.nn.functional

    def act(z, k):
        if lam is None:
            return F.relu(z)
        clip = torch.clamp(z, 0.0, lam[k])
        q = lam[k] / LEVELS * torch.clamp(torch.floor(z * LEVELS / lam[k] + 0.5), 0, LEVELS)
        return clip + (q - clip).detach()

    (w0, b0), (w1, b1), (w2, b2), (w3, b3) = params
    a1 = act(F.conv2d(x, w0, b0, padding=1), 0)
    a2 = act(F.conv2d(a1, w1, b1, padding=1) + a1, 1)
    a3 = act(F.conv2d(F.avg_pool2d(a2, 2), w2, b2, padding=1), 2)
    return F.linear(F.avg_pool2d(a3, 2).flatten(1), w3, b3), [a1, a2, a3]


def train(torch, params, x, y, epochs, lr, lam=None):
    opt = torch.optim.Adam([p for pair in params for p in pair], lr=lr)
    gen = torch.Generator().manual_seed(SEED)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            used = quantized(torch, params, lam) if lam is not None else params
            scores, _ = forward(torch, used, x[idx], lam)
            loss = torch.nn.functional.cross_entropy(scores, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()


def to_ann(params, lam, name: str) -> ANN:
    (w0, b0), (w1, b1), (w2, b2), (w3, b3) = [
        (w.detach().double().numpy(), b.detach().double().numpy()) for w, b in params]

    def q(k):
        return Layer("qcfs", threshold=float(lam[k]), levels=LEVELS)

    layers = (Layer("conv2d", weight=w0, bias=b0, padding=(1, 1)), q(0),
              Layer("conv2d", weight=w1, bias=b1, padding=(1, 1)), Layer("add", source=1), q(1),
              Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)),
              Layer("conv2d", weight=w2, bias=b2, padding=(1, 1)), q(2),
              Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)), Layer("flatten"),
              Layer("dense", weight=w3, bias=b3))
    return ANN((1, 8, 8), layers, input_scale=SCALE, name=name)


def main() -> int:
    try:
        import torch
    except ImportError:
        print("train_digits_cnn: needs torch (pip install -e '.[train]')", file=sys.stderr)
        return 2
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    x_tr, x_te, y_tr, y_te = load_split()
    x = torch.tensor(x_tr.reshape(-1, 1, 8, 8) * SCALE, dtype=torch.float32)
    y = torch.tensor(y_tr.astype(np.int64))
    params = build(torch)
    train(torch, params, x, y, epochs=150, lr=2e-3)
    with torch.no_grad():
        _, acts = forward(torch, params, x)
    lam = [float(2.0 ** np.round(np.log2(np.percentile(a.numpy(), 99)))) for a in acts]
    train(torch, params, x, y, epochs=150, lr=5e-4, lam=lam)
    with torch.no_grad():
        used = quantized(torch, params, lam)
    name = f"digits_cnn_qcfs_L{LEVELS}"
    ann = to_ann(used, lam, name)
    ref = integer_qcfs(ann, W_BITS, 14)
    if not all(ref.exact):
        print(f"{name}: stored weights are not on the 8-bit grid ({ref.exact})", file=sys.stderr)
        return 1
    save_ann(ROOT / "models" / f"{name}.npz", ann)
    acc = float(np.mean(ann.predict(x_te) == y_te))
    print(f"{name}: λ = {lam}, L = {LEVELS}, D = {ref.D}, test accuracy {acc:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
