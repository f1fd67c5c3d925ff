"""`make_grid` and `save_image`: a batch of images as one picture (torchvision's names).

Both take a chainrule tensor, a NumPy array, or anything with `.detach().cpu().numpy()`
(so a PyTorch tensor too), shaped (B, C, H, W) with C 1 or 3, or (B, H, W).
"""

from __future__ import annotations

import math

import numpy as np


def _array(images) -> np.ndarray:
    if hasattr(images, "detach"):
        images = images.detach()
        images = images.cpu() if hasattr(images, "cpu") else images
        images = images.numpy()
    array = np.asarray(images, dtype=np.float32)
    if array.ndim == 2:
        array = array[None, None]
    elif array.ndim == 3:
        array = array[:, None]
    if array.ndim != 4 or array.shape[1] not in (1, 3):
        raise ValueError(f"images must be (B, C, H, W) with 1 or 3 channels, or (B, H, W); "
                         f"got shape {array.shape}")
    return array


def make_grid(images, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> np.ndarray:
    """The images tiled `nrow` per row with `padding` pixels between; (C, H', W').

    With `normalize`, values are shifted and scaled into [0, 1] (by `value_range`, or
    by the minimum and maximum of all images, or of each with `scale_each`).
    """
    array = _array(images).copy()
    if normalize:
        for part in (array if scale_each else [array]):
            low, high = value_range if value_range is not None else (part.min(), part.max())
            part -= low
            part /= max(high - low, 1e-5)
    count, channels, height, width = array.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    grid = np.full((channels, rows * (height + padding) + padding,
                    columns * (width + padding) + padding), pad_value, dtype=np.float32)
    for k in range(count):
        top = (k // columns) * (height + padding) + padding
        left = (k % columns) * (width + padding) + padding
        grid[:, top:top + height, left:left + width] = array[k]
    return grid


def save_image(images, fp, nrow: int = 8, padding: int = 2, normalize: bool = False,
               value_range: tuple | None = None, **kwargs) -> None:
    """Write the grid of `images` as a PNG (values in [0, 1], or normalized)."""
    import matplotlib.image

    grid = make_grid(images, nrow, padding, normalize, value_range, **kwargs)
    picture = np.clip(grid, 0.0, 1.0)
    picture = picture[0] if picture.shape[0] == 1 else picture.transpose(1, 2, 0)
    matplotlib.image.imsave(fp, picture, cmap="gray" if picture.ndim == 2 else None,
                            vmin=0.0, vmax=1.0, format="png")
