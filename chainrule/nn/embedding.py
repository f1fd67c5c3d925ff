"""Embedding: a lookup table of learned vectors, one per index (PyTorch's nn.Embedding)."""

from __future__ import annotations

from .. import creation
from . import functional as F
from . import init
from .module import Module, positive_int
from .parameter import Parameter


class Embedding(Module):
    """A (num_embeddings, embedding_dim) table; `forward(indices)` returns its rows.

    Args:
        num_embeddings: size of the vocabulary.
        embedding_dim: size of each vector.
        padding_idx: an index whose vector is zeros at initialisation and takes no
            gradient (for padded positions).

    Shape:
        input (*) integers -> output (*, embedding_dim). weight ~ N(0, 1), as PyTorch.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device=None, dtype=None, _weight=None) -> None:
        super().__init__()
        self.num_embeddings = positive_int("num_embeddings", num_embeddings)
        self.embedding_dim = positive_int("embedding_dim", embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"padding_idx must be within the {num_embeddings} embeddings, got "
                    f"{padding_idx}"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if _weight is not None:
            self.weight = Parameter(_weight)
        else:
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, device=device,
                                                   dtype=dtype))
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True,
                        padding_idx: int | None = None) -> Embedding:
        """An Embedding holding `embeddings` (2-D); frozen (no gradient) unless freeze=False."""
        if embeddings.ndim != 2:
            raise ValueError(f"embeddings must be 2-D, got shape {tuple(embeddings.shape)}")
        module = cls(embeddings.shape[0], embeddings.shape[1], padding_idx,
                     _weight=embeddings)
        module.weight.requires_grad_(not freeze)
        return module

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None
                       else "")
