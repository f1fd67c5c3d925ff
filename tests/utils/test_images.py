"""make_grid and save_image."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.utils import make_grid, save_image


def test_make_grid_tiles_pads_and_normalizes():
    images = np.arange(5 * 1 * 2 * 3, dtype=np.float32).reshape(5, 1, 2, 3)
    grid = make_grid(cr.tensor(images), nrow=2, padding=1, pad_value=-1)
    assert grid.shape == (1, 3 * 3 + 1, 2 * 4 + 1)
    np.testing.assert_array_equal(grid[0, 1:3, 1:4], images[0, 0])
    np.testing.assert_array_equal(grid[0, 7:9, 1:4], images[4, 0])
    assert grid[0, 0, 0] == -1 and grid[0, 7, 5] == -1  # padding and the empty cell
    normalized = make_grid(images, normalize=True, padding=0)
    assert normalized.min() == 0 and normalized.max() == pytest.approx(1)


def test_save_image_writes_a_png_from_either_library(tmp_path):
    for lib, batch in (("chainrule", cr.rand(6, 1, 28, 28)), ("torch", torch.rand(4, 3, 8, 8))):
        path = tmp_path / f"{lib}.png"
        save_image(batch, path, nrow=3)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 100
    with pytest.raises(ValueError, match="1 or 3 channels"):
        save_image(np.zeros((2, 2, 4, 4)), tmp_path / "bad.png")
