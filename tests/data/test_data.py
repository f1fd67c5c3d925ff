"""Datasets, DataLoader and the Fashion-MNIST reader and downloader."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import DataLoader, Dataset, Subset, TensorDataset, random_split
from chainrule.data.datasets import FashionMNIST, IDXFormatError, fashion_mnist, read_idx, write_idx


def test_tensor_dataset_and_loader_batches():
    x, y = cr.arange(10).reshape(10, 1).float(), cr.arange(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert batches[1][1].tolist() == [4, 5, 6, 7]
    assert len(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_seeded_and_covers_every_sample():
    ds = TensorDataset(cr.arange(50))

    def order(seed):
        loader = DataLoader(ds, batch_size=7, shuffle=True, generator=cr.Generator(seed))
        return np.concatenate([b[0].numpy() for b in loader])

    assert sorted(order(3)) == list(range(50))
    np.testing.assert_array_equal(order(3), order(3))
    assert not np.array_equal(order(3), order(4))


class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i}


def test_default_and_custom_collate():
    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["y"].tolist() == [0, 1, 4]
    sums = list(DataLoader(Squares(), batch_size=2,
                           collate_fn=lambda s: sum(item["y"] for item in s)))
    assert sums == [1, 13, 16]


def test_random_split_and_subset():
    ds = TensorDataset(cr.arange(10))
    a, b = random_split(ds, [7, 3], generator=cr.Generator(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted(list(a.indices) + list(b.indices)) == list(range(10))
    parts = random_split(ds, [0.5, 0.5])
    assert [len(p) for p in parts] == [5, 5]
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(ds, [3, 3])
    assert Subset(ds, [4, 2])[1][0].item() == 2


def test_bad_batch_size_is_explained():
    with pytest.raises(ValueError, match="positive integer, got 0"):
        DataLoader(Squares(), batch_size=0)


def test_torch_import_path():
    import chainrule.utils.data as data

    assert data.DataLoader is DataLoader


# -- Fashion-MNIST ----------------------------------------------------------------------


def _write_small_dataset(folder, n_train=20, n_test=8):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz",
                  rng.integers(0, 10, n).astype(np.uint8))


def test_reads_idx_files_from_root(tmp_path):
    _write_small_dataset(tmp_path)
    train = FashionMNIST(tmp_path, train=True, download=False)
    test = FashionMNIST(tmp_path, train=False, download=False)
    assert len(train) == 20 and len(test) == 8
    image, label = train[3]
    assert image.shape == (1, 28, 28) and image.dtype == cr.float32 and 0 <= label < 10
    np.testing.assert_allclose(image.numpy()[0], train.data.numpy()[3] / 255.0, rtol=1e-6)
    x, y = next(iter(DataLoader(train, batch_size=5)))
    assert x.shape == (5, 1, 28, 28) and y.dtype == cr.int64


def test_idx_errors_name_the_file(tmp_path):
    path = tmp_path / "bad-images-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + (5).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
                + b"\0" * 100)
    with pytest.raises(IDXFormatError, match="truncated or corrupt"):
        read_idx(path)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(IDXFormatError, match="corrupt or truncated"):
        read_idx(path)


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server on 127.0.0.1 serving a folder of small IDX files."""
    served = tmp_path / "served"
    served.mkdir()
    _write_small_dataset(served)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _use_mirror(monkeypatch, tmp_path, served, url):
    resources = [(p.name, hashlib.md5(p.read_bytes()).hexdigest())
                 for p in sorted(served.glob("*.gz"))]
    monkeypatch.setattr(FashionMNIST, "mirrors", [url])
    monkeypatch.setattr(FashionMNIST, "resources", resources)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "nowhere")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CHAINRULE_DATA", raising=False)


def test_downloads_into_the_cache_and_verifies_md5(monkeypatch, tmp_path, mirror):
    served, url = mirror
    _use_mirror(monkeypatch, tmp_path, served, url)
    ds = FashionMNIST(train=True)
    assert len(ds) == 20
    assert ds.folder == tmp_path / "cache" / "chainrule" / "fashion-mnist"
    assert not list(ds.folder.glob("*.part*")), "temporary files were left behind"


def test_a_corrupt_download_is_refused_and_not_kept(monkeypatch, tmp_path, mirror):
    served, url = mirror
    _use_mirror(monkeypatch, tmp_path, served, url)
    victim = served / "train-images-idx3-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-50])  # truncated after the checksum was taken
    with pytest.raises(RuntimeError, match="nothing was kept.*MD5 .* does not match the published"):
        FashionMNIST(train=True)
    cache = tmp_path / "cache" / "chainrule" / "fashion-mnist"
    assert not (cache / "train-images-idx3-ubyte.gz").exists()
    assert not list(cache.glob("*.part*"))


def test_missing_files_without_download_say_where_they_were_looked_for(monkeypatch, tmp_path):
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", tmp_path / "nowhere")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        FashionMNIST(tmp_path, download=False)


def test_chainrule_data_environment_variable_is_searched(monkeypatch, tmp_path):
    (tmp_path / "fashion-mnist").mkdir()
    _write_small_dataset(tmp_path / "fashion-mnist")
    monkeypatch.setenv("CHAINRULE_DATA", str(tmp_path))
    assert FashionMNIST.search_path()[0] == tmp_path / "fashion-mnist"
