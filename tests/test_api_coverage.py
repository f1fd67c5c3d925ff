"""The README's table of PyTorch API coverage stays true: every name it lists as covered
can be reached from `chainrule`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import chainrule

README = Path(__file__).resolve().parent.parent / "README.md"


def covered_names() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## PyTorch API coverage", 1)[1].split("\n## ", 1)[0]
    names = []
    for row in section.splitlines():
        cells = row.split("|")
        if len(cells) > 3 and not set(cells[2].strip()) <= set("-"):
            names += re.findall(r"`([A-Za-z_][\w.]*)`", cells[2].split(";")[0])
    return names


def test_the_table_lists_many_names():
    assert len(covered_names()) > 150


@pytest.mark.parametrize("name", covered_names())
def test_listed_name_exists(name):
    value = chainrule
    for part in name.split("."):
        assert hasattr(value, part), f"chainrule.{name} is listed as covered but does not exist"
        value = getattr(value, part)
