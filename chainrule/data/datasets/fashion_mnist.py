"""Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 70,000 28×28 grayscale images of
clothing in 10 classes, 60,000 for training and 10,000 for testing."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...tensor import Tensor
from ..dataset import Dataset
from .idx import IDXFormatError, read_idx

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "chainrule" / "fashion-mnist"


class FashionMNIST(Dataset):
    """The Fashion-MNIST images and labels.

    Files are looked for in `root`, then `$CHAINRULE_DATA/fashion-mnist`, then
    /usr/share/datasets/fashion-mnist (Debian's package dataset-fashion-mnist), then
    the user cache. If none has them and `download` is true, they are downloaded from
    the dataset's mirror into the cache and checked against their published MD5 sums.

    Args:
        root: a directory with the four IDX .gz files (optional).
        train: the 60,000 training images, else the 10,000 test images.
        transform: applied to each image tensor (1, 28, 28), float32 in [0, 1].
        target_transform: applied to each label.
        download: download the files if they are not found.

    Attributes:
        data: uint8 tensor (N, 28, 28). targets: int64 tensor (N,).
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]

    def __init__(self, root: str | Path | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = True) -> None:
        self.train, self.transform, self.target_transform = train, transform, target_transform
        self.folder = self._find(root, download)
        prefix = "train" if train else "t10k"
        images = read_idx(self.folder / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(self.folder / f"{prefix}-labels-idx1-ubyte.gz")
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise IDXFormatError(
                f"{self.folder}: images {images.shape} and labels {labels.shape} do not match"
            )
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels.astype(np.int64))

    @classmethod
    def search_path(cls, root: str | Path | None = None) -> list[Path]:
        places = []
        if root is not None:
            places.append(Path(root))
        if os.environ.get("CHAINRULE_DATA"):
            places.append(Path(os.environ["CHAINRULE_DATA"]) / "fashion-mnist")
        places += [SYSTEM_DIR, cache_dir()]
        return places

    @classmethod
    def _complete(cls, folder: Path) -> bool:
        return all((folder / name).is_file() for name, _ in cls.resources)

    def _find(self, root, download: bool) -> Path:
        for folder in self.search_path(root):
            if self._complete(folder):
                return folder
        if not download:
            raise FileNotFoundError(
                f"Fashion-MNIST files not found in {[str(p) for p in self.search_path(root)]}. "
                f"Install Debian's dataset-fashion-mnist, or pass download=True."
            )
        return self.download()

    @classmethod
    def download(cls) -> Path:
        """Fetch the missing files into the cache, verifying each MD5 before keeping it."""
        target = cache_dir()
        target.mkdir(parents=True, exist_ok=True)
        for name, md5 in cls.resources:
            if not (target / name).is_file():
                _download_verified(cls.mirrors, name, md5, target)
        return target

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int):
        image = Tensor._wrap(self.data._data[index][None].astype(np.float32) / 255.0)
        label = int(self.targets._data[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def __getattr__(self, name: str):
        # The batched fast path exists only without per-sample transforms.
        if name == "get_batch" and self.transform is None and self.target_transform is None:
            return self._get_batch
        raise AttributeError(f"'FashionMNIST' object has no attribute {name!r}")

    def _get_batch(self, indices: np.ndarray) -> tuple[Tensor, Tensor]:
        images = self.data._data[indices][:, None].astype(np.float32)
        images *= 1 / 255.0
        return Tensor._wrap(images), Tensor._wrap(self.targets._data[indices])


def _download_verified(mirrors: list[str], name: str, md5: str, target: Path) -> None:
    errors = []
    for mirror in mirrors:
        url = mirror + name
        # The .gz suffix lets read_idx check the download before it is kept.
        handle, temp = tempfile.mkstemp(dir=target, prefix=name, suffix=".part.gz")
        try:
            with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=60) as src:
                shutil.copyfileobj(src, out)
            digest = hashlib.md5(Path(temp).read_bytes()).hexdigest()
            if digest != md5:
                errors.append(f"{url}: MD5 {digest} does not match the published {md5} "
                              f"(corrupt or truncated download)")
                continue
            read_idx(temp)
            os.replace(temp, target / name)
            return
        except (OSError, IDXFormatError) as error:
            errors.append(f"{url}: {error}")
        finally:
            if os.path.exists(temp):
                os.remove(temp)
    raise RuntimeError(
        f"could not download {name}; nothing was kept. Tried: " + "; ".join(errors)
        + ". Install Debian's dataset-fashion-mnist or put the files in $CHAINRULE_DATA/"
        "fashion-mnist."
    )

