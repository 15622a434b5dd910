"""Figures of a dataset evaluation: the confusion matrix, and a sweep's accuracy vs energy.

Drawn through :func:`.figures.save_figure` (Agg canvas, atomic write; the
extension picks the format).
"""

from __future__ import annotations

import numpy as np

from .figures import _figure, energy_unit, save_figure


def confusion_figure(matrix, path, title: str = "") -> None:
    """The confusion matrix: rows the labels, columns the predicted classes.

    Parameters
    ----------
    matrix : int array (K, K + 1)
        ``matrix[label, pred]`` recordings; the last column counts those the readout
        gave no class (a spike readout without spikes).
    """
    m = np.asarray(matrix, np.int64)
    k = m.shape[0]
    side = min(12.0, 2.5 + 0.55 * (k + 1))
    fig = _figure(side + 1.2, side)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(m, cmap="Blues", vmin=0, vmax=max(int(m.max(initial=0)), 1),
                   interpolation="nearest", aspect="equal")
    fig.colorbar(im, ax=ax, shrink=0.8, label="recordings")
    if k <= 30:
        top = max(int(m.max(initial=0)), 1)
        for (i, j), n in np.ndenumerate(m):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                        color="white" if n > 0.6 * top else "black")
    step = max(1, (k + 1) // 20)
    ax.set_xticks(range(0, k + 1, step),
                  [str(c) if c < k else "none" for c in range(0, k + 1, step)])
    ax.set_yticks(range(0, k, step))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("label")
    correct = int(np.trace(m[:, :k]))
    total = int(m.sum())
    acc = f"accuracy {correct / total:.4f} ({correct} of {total})" if total else "no labels"
    ax.set_title(f"{title}: {acc}" if title else acc, fontsize=10)
    save_figure(fig, path)


def accuracy_energy_figure(points, path, title: str = "") -> None:
    """Each grid point of a sweep at (mean energy per inference, accuracy).

    Parameters
    ----------
    points : sequence of (str, float or None, float or None)
        ``(settings label, accuracy, mean energy in joules)``; a point without
        either is listed in the legend but not drawn.
    """
    fig = _figure(8, 5)
    ax = fig.add_subplot(1, 1, 1)
    drawn = [(lab, a, e) for lab, a, e in points if a is not None and e is not None]
    unit, scale = energy_unit(max((e for _, _, e in drawn), default=0.0))
    for i, (lab, acc, energy) in enumerate(points):
        if acc is None or energy is None:
            ax.plot([], [], linestyle="none", marker="x", color="gray",
                    label=f"{lab} (no result)")
            continue
        ax.plot(energy / scale, acc, linestyle="none", marker="o", markersize=7,
                color=f"C{i % 10}", label=lab)
    ax.set_xlabel(f"energy per inference ({unit}, mean)")
    ax.set_ylabel("accuracy")
    if drawn:
        lo = min(a for _, a, _ in drawn)
        ax.set_ylim(max(0.0, lo - 0.05), 1.0 + 0.01)
    else:
        ax.text(0.5, 0.5, "no point has both an accuracy and an energy",
                transform=ax.transAxes, ha="center", va="center", color="gray")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title or "Accuracy vs energy per inference", fontsize=10)
    save_figure(fig, path)
