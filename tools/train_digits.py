"""Train the small digit ANNs that conversion is measured on; write them under ``models/``.

Data: scikit-learn's handwritten digits (1,797 real 8 x 8 scans, pixel values
0..16), split once with a fixed seed into 1,437 training and 360 test images
(stratified). Only this script needs scikit-learn; it writes:

``models/digits_test.npz``    the 360 test images (``x`` uint8 (360, 64), ``y`` uint8)
``models/digits_calib.npz``   256 training images for calibration (same layout)
``models/digits_mlp.npz``     ReLU MLP 64-64-32-10 (float weights)
``models/digits_qcfs_L{2,4,8}.npz``  the same MLP fine-tuned with QCFS activations
                              (L levels per hidden layer) and 8-bit dyadic weights
``models/digits_qcfs_pascal.npz``  QCFS with PASCAL's layerwise L_l
                              (:func:`neuroemu.convert.qcfs.choose_levels`), fine-tuned

The ANNs take ``x / 16`` (``input_scale`` = 1/16). QCFS training keeps each
layer's λ a power of two (set from the ReLU network's 99th percentile) and
fake-quantizes weights so that every integer weight of the converted network
(:func:`neuroemu.convert.qcfs.integer_qcfs`) fits 8 signed bits: the stored
weights are dyadic rationals, the float QCFS ANN and its integer form agree
exactly, and PASCAL's SNN reproduces the ANN bit for bit on Loihi's 8-bit
synapses. Gradients pass the floor and the weight rounding straight through
(straight-through estimator); the QCFS clip passes gradient only inside
[0, λ]. Plain numpy, Adam, a fixed seed; a run takes a few seconds.

    python tools/train_digits.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neuroemu.convert.ann import ANN, Layer, save_ann  # noqa: E402
from neuroemu.convert.qcfs import choose_levels, integer_qcfs  # noqa: E402

SIZES = (64, 64, 32, 10)
SCALE = 1.0 / 16.0
W_BITS = 8
SEED = 0


def load_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = d.data.astype(np.uint8)
    y = d.target.astype(np.uint8)
    return train_test_split(x, y, test_size=360, random_state=SEED, stratify=y)


def init(rng):
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        params.append([rng.normal(0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros(n_out)])
    return params


def quantize(params, lam, levels):
    """Fake-quantized weights: ω = W c L/λ rounded on a power-of-two grid D with |ωD| <= 127."""
    out = []
    c = SCALE
    w_hi = (1 << (W_BITS - 1)) - 1
    for k, (w, b) in enumerate(params):
        hidden = k < len(params) - 1
        f = c * (levels[k] / lam[k] if hidden else 1.0)
        g = levels[k] / lam[k] if hidden else 1.0
        wmax = np.max(np.abs(w * f))
        D = 2.0 ** np.floor(np.log2(w_hi / wmax))
        out.append([np.rint(w * f * D) / (f * D), np.rint(b * g * D) / (g * D)])
        if hidden:
            c = lam[k] / levels[k]
    return out


def forward(params, x, lam=None, levels=None):
    """Activations and the masks for the backward pass; QCFS when ``lam`` is given."""
    acts, masks = [x], []
    h = x
    for k, (w, b) in enumerate(params):
        z = h @ w.T + b
        if k == len(params) - 1:
            acts.append(z)
            break
        if lam is None:
            h = np.maximum(z, 0)
            masks.append(z > 0)
        else:
            L = levels[k]
            h = lam[k] / L * np.clip(np.floor(z * L / lam[k] + 0.5), 0, L)
            masks.append((z >= 0) & (z <= lam[k]))
        acts.append(h)
    return acts, masks


def train(params, x, y, epochs, lr, rng, lam=None, levels=None, quant=False):
    m = [[np.zeros_like(p) for p in layer] for layer in params]
    v = [[np.zeros_like(p) for p in layer] for layer in params]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            used = quantize(params, lam, levels) if quant else params
            acts, masks = forward(used, x[idx], lam, levels)
            z = acts[-1]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1
            g = p / len(idx)
            step += 1
            for k in range(len(params) - 1, -1, -1):
                grads = [g.T @ acts[k], g.sum(axis=0)]
                if k:
                    g = (g @ used[k][0]) * masks[k - 1]
                for j in range(2):
                    m[k][j] = 0.9 * m[k][j] + 0.1 * grads[j]
                    v[k][j] = 0.999 * v[k][j] + 0.001 * grads[j] ** 2
                    mh = m[k][j] / (1 - 0.9 ** step)
                    vh = v[k][j] / (1 - 0.999 ** step)
                    params[k][j] -= lr * mh / (np.sqrt(vh) + 1e-8)
    return params


def to_ann(params, name, lam=None, levels=None) -> ANN:
    layers = []
    for k, (w, b) in enumerate(params):
        layers.append(Layer("dense", weight=w.copy(), bias=b.copy()))
        if k < len(params) - 1:
            layers.append(Layer("relu") if lam is None else
                          Layer("qcfs", threshold=float(lam[k]), levels=int(levels[k])))
    return ANN((64,), tuple(layers), input_scale=SCALE, name=name)


def accuracy(ann: ANN, x, y) -> float:
    return float(np.mean(ann.predict(x) == y))


def main() -> int:
    models = ROOT / "models"
    x_tr, x_te, y_tr, y_te = load_split()
    np.savez_compressed(models / "digits_test.npz", x=x_te, y=y_te)
    calib = np.random.default_rng(SEED).choice(len(x_tr), 256, replace=False)
    np.savez_compressed(models / "digits_calib.npz", x=x_tr[np.sort(calib)],
                        y=y_tr[np.sort(calib)])
    xf = x_tr.astype(np.float64) * SCALE
    rng = np.random.default_rng(SEED)
    relu = train(init(rng), xf, y_tr, epochs=150, lr=1e-3, rng=rng)
    relu = [[w.astype(np.float32).astype(np.float64), b.astype(np.float32).astype(np.float64)]
            for w, b in relu]
    ann = to_ann(relu, "digits_mlp")
    save_ann(models / "digits_mlp.npz", ann)
    print(f"digits_mlp: test accuracy {accuracy(ann, x_te, y_te):.4f}")
    acts, _ = forward(relu, xf)
    lam = [float(2.0 ** np.round(np.log2(np.percentile(a, 99)))) for a in acts[1:-1]]

    def qcfs_model(levels, name, start=relu, epochs=80):
        params = [[w.copy(), b.copy()] for w, b in start]
        params = train(params, xf, y_tr, epochs=epochs, lr=5e-4, rng=np.random.default_rng(SEED),
                       lam=lam, levels=levels, quant=True)
        q = to_ann(quantize(params, lam, levels), name, lam, levels)
        ref = integer_qcfs(q, W_BITS)
        assert all(ref.exact), f"{name}: stored weights are not on the 8-bit grid"
        save_ann(models / f"{name}.npz", q)
        print(f"{name}: L = {levels}, λ = {lam}, test accuracy {accuracy(q, x_te, y_te):.4f}")
        return params, q

    for L in (2, 4, 8):
        params, q = qcfs_model([L, L], f"digits_qcfs_L{L}")
        if L == 8:
            p8, q8 = params, q
    levels = choose_levels(q8, x_tr, y_tr, candidates=(1, 2, 4, 8), tolerance=0.01)
    qcfs_model(levels, "digits_qcfs_pascal", start=p8, epochs=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
