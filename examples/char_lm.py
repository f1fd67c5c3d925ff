"""A character-level language model: an LSTM learns to continue English text.

It reads a plain-text corpus that every Debian machine has (the GNU GPL), predicts
each next character from the ones before it, and prints text it generates as it
trains. The loss is the cross-entropy of the next character; backpropagation runs
through time over windows of `--seq-len` characters (truncated BPTT), and the
gradient norm is clipped, the usual guard for recurrent networks.

Run:  python examples/char_lm.py [--steps 1000] [--corpus FILE]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule import nn, optim

DEFAULT_CORPUS = Path("/usr/share/common-licenses/GPL-3")


class CharLM(nn.Module):
    """Embedding -> LSTM -> a linear layer giving the next character's logits."""

    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens, state=None):
        out, state = self.lstm(self.embed(tokens), state)
        return self.head(out), state


def sample(model: CharLM, chars: list[str], prompt: str, length: int, temperature: float,
           rng: np.random.Generator) -> str:
    """Generate `length` characters after `prompt`, one at a time, feeding the state along."""
    index = {c: i for i, c in enumerate(chars)}
    model.eval()
    text, state = prompt, None
    tokens = cr.tensor([[index[c] for c in prompt]])
    with cr.no_grad():
        for _ in range(length):
            logits, state = model(tokens, state)
            p = (logits[0, -1] / temperature).softmax(-1).numpy().astype(np.float64)
            nxt = int(rng.choice(len(chars), p=p / p.sum()))
            text += chars[nxt]
            tokens = cr.tensor([[nxt]])
    model.train()
    return text


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seq-len", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--sample-every", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    text = args.corpus.read_text(encoding="utf-8", errors="replace")
    chars = sorted(set(text))
    data = np.array([chars.index(c) for c in text], dtype=np.int64)
    print(f"corpus {args.corpus}: {len(data)} characters, {len(chars)} distinct")

    cr.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = CharLM(len(chars), hidden=args.hidden, layers=args.layers)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    start, loss_value = time.perf_counter(), float("nan")
    for step in range(1, args.steps + 1):
        # a batch of random windows; the target is each window shifted by one character
        starts = rng.integers(0, len(data) - args.seq_len - 1, args.batch_size)
        window = np.stack([data[s : s + args.seq_len + 1] for s in starts])
        x, y = cr.tensor(window[:, :-1]), cr.tensor(window[:, 1:])
        logits, _ = model(x)
        loss = loss_fn(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss_value = loss.item()
        if step % args.sample_every == 0 or step == args.steps:
            print(f"step {step}: loss {loss_value:.3f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
            print("  " + repr(sample(model, chars, "The ", 120, 0.8, rng)), flush=True)
    return loss_value


if __name__ == "__main__":
    main()
