"""Damaged and hostile network files: one clear error naming the file and the object inside
it, before anything large is allocated; never a traceback from h5py."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from neuroemu.errors import FormatError
from neuroemu.h5io import open_h5
from neuroemu.networks.loader import load_network, network_kind

MODELS = Path(__file__).resolve().parents[2] / "models"
CNN = MODELS / "nmnist_cnn.h5"


def _copy(src, tmp_path, name):
    dst = tmp_path / name
    shutil.copy(src, dst)
    return dst


def _first_projection(f) -> str:
    return sorted(f["projections"].keys())[0]


def test_a_huge_dataset_in_a_small_file_is_refused_at_once(tmp_path):
    path = _copy(CNN, tmp_path, "huge.h5")
    with h5py.File(path, "a") as f:
        name = _first_projection(f)
        del f[f"projections/{name}/weight"]
        f.create_dataset(f"projections/{name}/weight", shape=(1 << 20, 1 << 20), dtype="i1",
                         chunks=(64, 64))  # 2^40 weights, none stored
    assert path.stat().st_size < 2 << 20
    start = time.perf_counter()
    with pytest.raises(FormatError, match=rf"huge\.h5: /projections/{name}/weight: the dataset "
                                          r"claims 1,099,511,627,776 values \(1\.0 TiB\); "
                                          r"expected at most .* \(the memory limit"):
        load_network(path)
    assert time.perf_counter() - start < 5


def test_a_dataset_larger_than_its_stored_data_is_refused(tmp_path, monkeypatch):
    """Within the memory limit, but its data is not in the file: refused, not read as
    fill values (zeros)."""
    path = _copy(CNN, tmp_path, "hollow.h5")
    with h5py.File(path, "a") as f:
        name = _first_projection(f)
        del f[f"projections/{name}/weight"]
        f.create_dataset(f"projections/{name}/weight", shape=(1 << 12, 1 << 12), dtype="i2",
                         chunks=(256, 256))  # 32 MiB claimed, nothing stored
    with pytest.raises(FormatError, match=rf"/projections/{name}/weight: the dataset claims "
                                          r"shape \(4096, 4096\) \(32\.0 MiB\) but holds 0 "
                                          r"bytes of data"):
        load_network(path)


def test_the_memory_limit_can_be_set(tmp_path, monkeypatch):
    path = _copy(CNN, tmp_path, "net.h5")
    monkeypatch.setenv("NEUROEMU_MEMORY_LIMIT", "1000")
    with h5py.File(path, "a") as f:
        name = _first_projection(f)
        w = f[f"projections/{name}/weight"][()]
        del f[f"projections/{name}/weight"]
        f[f"projections/{name}/weight"] = np.resize(w, (1 << 21,))  # 2 MiB, stored
    with pytest.raises(FormatError, match=r"expected at most 1,000 bytes \(the memory limit"):
        load_network(path)


def test_a_population_of_absurd_size_is_refused(tmp_path):
    path = _copy(CNN, tmp_path, "wide.h5")
    with h5py.File(path, "a") as f:
        f["populations/input"].attrs["shape"] = np.array([1 << 20, 1 << 20, 2])
    with pytest.raises(FormatError, match=r"wide\.h5: populations/input: the population claims "
                                          r"2,199,023,255,552 neurons"):
        load_network(path)


def test_a_netx_layer_of_absurd_size_is_refused(shared_data, tmp_path):
    path = _copy(shared_data / "lava-dl" / "tinynet" / "tiny.net", tmp_path, "wide.net")
    with h5py.File(path, "a") as f:
        del f["layer/0/shape"]
        f["layer/0/shape"] = np.array([1 << 20, 1 << 20, 3])
    with pytest.raises(FormatError, match=r"wide\.net: layer/0/shape: the layer claims "
                                          r"3,298,534,883,328 neurons"):
        load_network(path)


def test_a_netx_shape_that_is_not_whole_numbers(shared_data, tmp_path):
    path = _copy(shared_data / "lava-dl" / "tinynet" / "tiny.net", tmp_path, "nan.net")
    with h5py.File(path, "a") as f:
        del f["layer/1/shape"]
        f["layer/1/shape"] = np.array([np.nan, 6.0, 6.0])
    with pytest.raises(FormatError, match=r"nan\.net: layer/1/shape: value nan is not a whole "
                                          "number"):
        load_network(path)


def test_bad_json_in_a_net_h5_names_the_attribute(tmp_path):
    path = _copy(CNN, tmp_path, "meta.h5")
    with h5py.File(path, "a") as f:
        f.attrs["meta_json"] = '{"a": 1,, }'
    with pytest.raises(FormatError, match=r"meta\.h5: /: attribute 'meta_json' is not valid "
                                          "JSON"):
        load_network(path)


def test_nir_edges_of_the_wrong_shape(shared_data, tmp_path):
    path = _copy(shared_data / "nir" / "lif" / "lif_norse.nir", tmp_path, "edges.nir")
    with h5py.File(path, "a") as f:
        del f["node/edges"]
        f["node/edges"] = np.array([b"input", b"lif", b"output"])
    with pytest.raises(FormatError, match=r"edges\.nir: graph '/': 'edges' is \|S6 \(3,\); "
                                          r"expected \(n, 2\) node names"):
        load_network(path, dt=1e-4)


def _object_offsets(path) -> list[int]:
    """File offsets of the object headers of every group and dataset."""
    offsets = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: offsets.append(h5py.h5o.get_info(obj.id).addr))
    return sorted(set(offsets))


@pytest.mark.parametrize("name", ["nir/cnn_nmnist/cnn_sinabs.nir",
                                  "lava-dl/tinynet/tiny.net"])
def test_damaged_object_headers_give_one_clear_error(shared_data, tmp_path, name):
    """Garbage written over each object header in turn: either the file still reads (the
    damage missed what the reader needs) or a FormatError naming the file; never an
    h5py exception."""
    src = shared_data / name
    data = src.read_bytes()
    rng = np.random.default_rng(7)
    refused = 0
    for k, off in enumerate(_object_offsets(src)):
        damaged = bytearray(data)
        damaged[off:off + 16] = rng.integers(0, 256, 16, np.uint8).tobytes()
        path = tmp_path / f"{k}{src.suffix}"
        path.write_bytes(bytes(damaged))
        try:
            load_network(path, dt=1e-4) if src.suffix == ".nir" else load_network(path)
        except FormatError as exc:
            assert str(exc).startswith(str(path) + ": ")
            assert "\n" not in str(exc)
            refused += 1
    assert refused >= 3


def test_every_h5py_error_while_reading_becomes_a_format_error(tmp_path):
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f["group/data"] = np.arange(10)
    with open_h5(path, "network") as f:
        with pytest.raises(FormatError, match=r"x\.h5: /group/missing: cannot open"):
            f["group"]["missing"]
        with pytest.raises(FormatError, match=r"x\.h5: /group/data: cannot read attribute 'a'"):
            f["group/data"].attrs["a"]
        assert np.array_equal(f["group/data"][()], np.arange(10))
        assert np.array_equal(np.asarray(f["group"]["data"]), np.arange(10))


def test_a_recording_given_as_a_network_says_what_it_is(tmp_path):
    with pytest.raises(FormatError, match=r"nmnist_4\.aedat: an AEDAT 4\.0 recording: pass it "
                                          r"as the input \(--input\), not as the network"):
        network_kind(MODELS.parent / "traces" / "nmnist_4.aedat")


@pytest.mark.parametrize("name,node,what", [
    ("nir/lif/two_lif_neurons.nir", "node/nodes/linear1/weight", "named datatype"),
    ("nir/lif/lif_norse.nir", "node/nodes/1/type", "group"),
    ("lava-dl/tinynet/tiny.net", "layer/1/weight", "named datatype"),
    ("lava-dl/tinynet/tiny.net", "layer/1/shape", "group"),
])
def test_a_group_or_datatype_where_a_dataset_belongs(shared_data, tmp_path, name, node, what):
    path = _copy(shared_data / name, tmp_path, "x" + Path(name).suffix)
    with h5py.File(path, "r+") as f:
        del f[node]
        if what == "group":
            f.create_group(node)
        else:
            f[node] = np.dtype("f8")
    with pytest.raises(FormatError, match=rf"x\.(nir|net): /{node}: expected a dataset, found "
                                          rf"a {what}"):
        load_network(path, dt=1e-4) if path.suffix == ".nir" else load_network(path)
