"""What a table of rows adds up to: accuracy, confusion matrix, energy and latency statistics.

Computed from the rows in their one order (:func:`.store.sort_rows`), so the
same rows give the same summary, bit for bit, whatever order they finished in.
Accuracy counts the recordings that have a label and ran (an error row is
counted in ``n_errors``, not as a wrong answer); a recording the readout gave
no class is wrong. Statistics are over the rows that ran: mean, 50th and 95th
percentiles (numpy's linear interpolation).
"""

from __future__ import annotations

import numpy as np


def _stats(values) -> dict | None:
    v = np.asarray([x for x in values if x is not None], np.float64)
    if not v.size:
        return None
    return {"mean": float(v.mean()), "p50": float(np.percentile(v, 50)),
            "p95": float(np.percentile(v, 95))}


def confusion(labels, preds, classes: int = 0) -> np.ndarray:
    """int64 (K, K + 1): ``[label, pred]`` counts, the last column for no class; K covers
    ``classes`` (the readout's size) and every label and class seen."""
    labels = np.asarray(labels, np.int64)
    preds = np.asarray([-1 if p is None else p for p in preds], np.int64)
    k = max(int(max(labels.max(initial=-1), preds.max(initial=-1))) + 1, int(classes))
    m = np.zeros((k, k + 1), np.int64)
    np.add.at(m, (labels, np.where(preds < 0, k, preds)), 1)
    return m


def summarize(table, classes: int = 0) -> dict:
    """The summary of one point's rows (a pyarrow Table with the columns of
    :func:`.tasks.columns`); ``classes``: the readout's classes (the confusion matrix
    has at least as many rows).

    Returns
    -------
    dict
        ``n``, ``n_errors``, ``n_labelled`` (labelled rows that ran), ``correct``,
        ``accuracy`` (None without labels), ``confusion`` (list of lists, see
        :func:`confusion`; None without labels), ``energy_j`` and ``latency_s``
        (``{mean, p50, p95}`` on the profile run, None when nothing ran),
        ``energy_j_<profile>`` likewise for each profile priced beside it,
        ``synaptic_ops`` ``{mean, p50, p95}``, and ``errors`` (up to 5 ``[file,
        error]`` pairs).
    """
    cols = table.to_pydict()
    n = table.num_rows
    err = cols["error"]
    ran = [e is None for e in err]
    scored = [r and lab is not None for r, lab in zip(ran, cols["label"])]
    labels = [lab for lab, s in zip(cols["label"], scored) if s]
    preds = [p for p, s in zip(cols["pred"], scored) if s]
    correct = sum(int(p is not None and p == lab) for p, lab in zip(preds, labels))
    out = {
        "n": n, "n_errors": n - sum(ran), "n_labelled": len(labels), "correct": correct,
        "accuracy": correct / len(labels) if labels else None,
        "confusion": confusion(labels, preds, classes).tolist() if labels else None,
    }
    pick = lambda name: [v for v, r in zip(cols[name], ran) if r]  # noqa: E731
    for name in [c for c in table.column_names if c.startswith(("energy_j", "latency_s"))]:
        out[name] = _stats(pick(name))
    out["synaptic_ops"] = _stats(pick("synaptic_ops"))
    out["errors"] = [[f, e] for f, e in zip(cols["file"], err) if e is not None][:5]
    return out
