"""Fixtures of the dataset-evaluation tests: small N-MNIST folders built from the real digit,
and one local Dask cluster shared by the tests that do not start their own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # evalcase, the tests' helpers
from evalcase import N_RECORDINGS, NET, build_folder  # noqa: E402


@pytest.fixture(scope="session")
def net():
    import neuroemu as ne

    return ne.load(NET)


@pytest.fixture(scope="session")
def folder(tmp_path_factory):
    """``Test/4/*.bin`` and ``Test/7/*.bin``, 6 recordings each: real "4"s
    (tools/make_nmnist_folder.py: the real digit shifted and subsampled), so the label 7
    is assigned (for testing how labels are read), not true."""
    root = tmp_path_factory.mktemp("nmnist") / "Test"
    build_folder(root, n=N_RECORDINGS, labels=(4, 7))
    return root


@pytest.fixture(scope="session")
def client():
    """A local cluster of 2 worker processes (1 thread each), for the whole session."""
    from distributed import Client

    from neuroemu.evaluation.cluster import local_cluster, quiet_dask

    quiet_dask()
    cluster = local_cluster(2)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="session")
def reference(net, folder, client):
    """The evaluation of ``folder`` that others are compared with (default options)."""
    import neuroemu as ne

    return ne.evaluate(net, folder, client=client, progress=False)
