"""`GradientMonitor`: gradient health of a model, per layer and per training step.

It reads the real engine, never a model of it: each parameter's gradient through a
post-accumulate hook (after backward has stored it), the parameters again when the next
step's forward starts (after the optimizer has moved them), and every ReLU's output
through the engine's watch point (NOTE [ The watch point ]). A step is one forward of the
model followed by a backward; the monitor keeps a few numbers per layer and step, never a
copy of the gradients.
"""

from __future__ import annotations

import functools
import math
import statistics
import sys
import warnings

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..autograd.watch import Watcher, join_path, watch
from ..keras.callbacks import Callback
from ..keras.layer import Layer as KerasLayer
from .findings import Finding, GradientWarning, Thresholds


def display_path(dotted: str) -> str:
    """`layers.2.linear1` -> `layers[2].linear1`: module paths as the watch point writes them."""
    return functools.reduce(join_path, dotted.split("."), "") if dotted else "(model)"


class GradientMonitor(Watcher, Callback):
    """Records gradient norms, weight norms, update ratios, non-finite values and dead
    ReLU units per layer and per step, and warns when they show a known problem.

    Use it as a context manager around a training loop, or pass it to Keras-style `fit`
    as a callback (or run `chainrule train --watch-gradients`):

        with GradientMonitor(model) as monitor:
            for x, y in loader:
                ...  # forward, backward, optimizer step
        monitor.report()
        monitor.plot("gradient_flow.png")

    Args:
        model: the module whose parameters are watched (for `fit`, it may be omitted).
        thresholds: a `Thresholds`; keyword arguments override single fields of it
            (e.g. `GradientMonitor(model, patience=5)`).
        warn: issue each finding as a `GradientWarning` (always kept in `findings`).
        update_every: measure weight norms and update ratios on every this many steps
            (they need a copy of the weights; gradient norms are measured every step).
    """

    def __init__(self, model=None, thresholds: Thresholds | None = None, warn: bool = True,
                 update_every: int = 10, **overrides) -> None:
        base = thresholds or Thresholds()
        self.thresholds = Thresholds(**{**base.__dict__, **overrides})
        self.warn, self.update_every = warn, max(1, int(update_every))
        self.module = model
        self.steps: list[dict] = []  # one record per finished step
        self._update_ratios: dict[str, list[float]] = {}  # the measured ones, per layer
        self.findings: list[Finding] = []
        self._attached = None

    # -- attaching to a model --------------------------------------------------------

    def attach(self) -> GradientMonitor:
        if self.module is None:
            raise ValueError("GradientMonitor needs the model: GradientMonitor(model)")
        if self._attached is not None:
            return self
        self.layers: dict[str, list] = {}  # layer name -> its parameters
        self._layer_of: dict[int, str] = {}
        for path, module in self.module.named_modules():
            params = [p for p in module.parameters(recurse=False) if p.requires_grad]
            if params:
                name = f"{display_path(path)} ({type(module).__name__})"
                self.layers[name] = params
                for p in params:
                    self._layer_of[id(p)] = name
        self._channels_last = isinstance(self.module, KerasLayer)
        handles = [p.register_post_accumulate_grad_hook(self._on_gradient)
                   for params in self.layers.values() for p in params]
        handles.append(self.module.register_forward_pre_hook(self._on_forward))
        watching = watch(self)
        watching.__enter__()
        self._attached = (handles, watching)
        self._reset_step()
        return self

    def detach(self) -> None:
        if self._attached is None:
            return
        self._finish_step()
        handles, watching = self._attached
        for handle in handles:
            handle.remove()
        watching.__exit__(None, None, None)
        self._attached = None

    def __enter__(self) -> GradientMonitor:
        return self.attach()

    def __exit__(self, *exc) -> None:
        self.detach()

    # keras callback: attach for the length of fit
    def set_model(self, model) -> None:
        super().set_model(model)
        self.module = self.module or model

    def on_train_begin(self, logs=None) -> None:
        self.attach()

    def on_train_end(self, logs=None) -> None:
        self.detach()

    # -- what the engine tells the monitor -------------------------------------------

    def _reset_step(self) -> None:
        self._squares: dict[int, float] = {}  # parameter -> sum of squared gradient
        self._nonfinite: dict[int, int] = {}
        self._before: dict[int, np.ndarray] = {}  # parameter values at backward time
        self._dead: dict[str, list[float]] = {}

    def _on_gradient(self, param) -> None:
        grad = param.grad._data
        squares = _squares(grad)
        self._squares[id(param)] = squares
        self._nonfinite[id(param)] = 0 if math.isfinite(squares) else \
            int(np.count_nonzero(~np.isfinite(grad)))
        if id(param) not in self._before and len(self.steps) % self.update_every == 0:
            self._before[id(param)] = param._data.copy()

    def _on_forward(self, module, args) -> None:
        self._finish_step()

    def forward(self, node, inputs, outputs) -> None:  # the watch point
        if node.name != "ReLU" or not is_grad_enabled():
            return
        out = outputs[0]._data
        if out.ndim < 2:
            return
        unit_axis = out.ndim - 1 if self._channels_last or out.ndim == 2 or not \
            _from_convolution(inputs[0]) else 1
        axes = tuple(a for a in range(out.ndim) if a != unit_axis)
        alive = np.any(out, axis=axes)
        dead = 1.0 - np.count_nonzero(alive) / alive.size
        where = (node.origin.module_path if node.origin else None) or "relu (model)"
        self._dead.setdefault(where, []).append(dead)

    # -- one finished step -----------------------------------------------------------

    def _finish_step(self) -> None:
        if not self._squares:
            self._dead = {}
            return
        layers = {}
        for name, params in self.layers.items():
            seen = [p for p in params if id(p) in self._squares]
            if not seen:
                continue
            size = sum(p.numel() for p in seen)
            layers[name] = {"grad_norm": math.sqrt(sum(self._squares[id(p)] for p in seen)),
                            "weight_norm": math.nan, "update_ratio": math.nan,
                            "nonfinite": sum(self._nonfinite[id(p)] for p in seen) / size}
            if all(id(p) in self._before for p in seen):  # a step that measures updates
                weight_sq = sum(_squares(p._data) for p in seen)
                moved_sq = sum(_squares(p._data - self._before[id(p)]) for p in seen)
                layers[name]["weight_norm"] = math.sqrt(weight_sq)
                if weight_sq:
                    layers[name]["update_ratio"] = math.sqrt(moved_sq / weight_sq)
                    self._update_ratios.setdefault(name, []).append(
                        layers[name]["update_ratio"])
        record = {"step": len(self.steps), "layers": layers,
                  "dead_relu": {k: max(v) for k, v in self._dead.items()}}
        self.steps.append(record)
        self._reset_step()
        self._diagnose()

    def _diagnose(self) -> None:
        t, steps = self.thresholds, self.steps
        recent = steps[-t.patience:] if len(steps) >= t.patience else []
        now = steps[-1]
        stats = now["layers"]
        names = list(stats)
        found = []
        blown = [n for n in names if stats[n]["nonfinite"] > 0
                 or not stats[n]["grad_norm"] <= t.exploding_norm]
        if blown:
            evidence = "; ".join(f"{n}: gradient norm {stats[n]['grad_norm']:.3g}, "
                                 f"{stats[n]['nonfinite']:.1%} non-finite" for n in blown[:4])
            found.append(("exploding", blown, evidence + f" (bound {t.exploding_norm:g})"))
        if not recent:
            return self._report_all(found, now["step"])
        dead = [w for w in now["dead_relu"]
                if min(s["dead_relu"].get(w, 0.0) for s in recent) > t.dead_fraction]
        for where in dead:
            found.append(("dead_relu", [where],
                          f"{now['dead_relu'][where]:.0%} of the units output zero for the "
                          f"whole batch (threshold {t.dead_fraction:.0%}, {t.patience} steps)"))
        # a layer without any gradient behind dead units is explained by them already
        explained = set(blown) | {n for n in names if dead and stats[n]["grad_norm"] == 0}
        last = names[-1]
        small = []
        for n in names[:-1]:
            ratios = [s["layers"][n]["grad_norm"] / s["layers"][last]["grad_norm"]
                      for s in recent if n in s["layers"] and last in s["layers"]
                      and s["layers"][last]["grad_norm"] > 0]
            if n not in explained and len(ratios) == len(recent) and \
                    max(ratios) < t.vanishing_ratio:
                small.append((n, ratios[-1]))
        if small:
            evidence = ", ".join(f"{n} {r:.1e}" for n, r in small[:4])
            found.append(("vanishing", [n for n, _ in small],
                          f"gradient norm relative to the last layer {last}: {evidence}"
                          f"{' ...' if len(small) > 4 else ''} (threshold "
                          f"{t.vanishing_ratio:g}, {t.patience} steps)"))
            explained |= {n for n, _ in small}  # their small updates follow from it
        typical = {}
        if not math.isnan(next(iter(stats.values()))["update_ratio"]):  # measured now
            for n in names:
                values = self._update_ratios.get(n, [])
                if n not in explained and len(values) >= t.patience:
                    typical[n] = statistics.median(values[-t.patience:])
        for kind, layers in (
                ("update_small", [n for n, v in typical.items() if v < t.update_ratio_low]),
                ("update_large", [n for n, v in typical.items() if v > t.update_ratio_high])):
            if layers:
                evidence = ", ".join(f"{n} {typical[n]:.1e}" for n in layers[:4])
                found.append((kind, layers, f"each step changes the weights by this fraction "
                              f"of their norm: {evidence} (healthy: about 1e-3)"))
        self._report_all(found, now["step"])

    def _report_all(self, found: list, step: int) -> None:
        for kind, where, evidence in found:
            self._report(Finding(kind, tuple(where), evidence, step))

    def _report(self, finding: Finding) -> None:
        if any(f.kind == finding.kind and set(finding.where) <= set(f.where)
               for f in self.findings):
            return  # said once is enough
        self.findings.append(finding)
        if self.warn:
            warnings.warn(str(finding), GradientWarning, stacklevel=2)

    # -- reading the record ----------------------------------------------------------

    def history(self, layer: str, key: str = "grad_norm") -> list[float]:
        """One measurement of one layer over the steps (NaN where it had no gradient)."""
        return [s["layers"].get(layer, {}).get(key, math.nan) for s in self.steps]

    def report(self, file=None) -> str:
        """Print (and return) a table per layer: the last step's numbers and the median."""
        rows = [("layer", "grad norm", "median", "weight norm", "update/weight",
                 "non-finite")]
        for name in self.layers:
            values = [v for v in self.history(name) if not math.isnan(v)]
            if not values:
                continue
            last = next(s["layers"][name] for s in reversed(self.steps)
                        if name in s["layers"])
            measured = [s["layers"][name] for s in self.steps if name in s["layers"]
                        and not math.isnan(s["layers"][name]["weight_norm"])] or [last]
            rows.append((name, f"{last['grad_norm']:.3e}", f"{np.median(values):.3e}",
                         f"{measured[-1]['weight_norm']:.3e}",
                         f"{measured[-1]['update_ratio']:.1e}", f"{last['nonfinite']:.1%}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
        dead = {k: v for k, v in (self.steps[-1]["dead_relu"] if self.steps else {}).items()}
        lines += [f"dead ReLU units in {k}: {v:.0%}" for k, v in dead.items()]
        lines.append(f"{len(self.steps)} steps; "
                     + (f"{len(self.findings)} findings:" if self.findings else "no findings"))
        lines += [f"- {f}" for f in self.findings]
        text = "\n".join(lines)
        print(text, file=file or sys.stdout)
        return text

    def plot(self, path) -> None:
        """Write a PNG of each layer's gradient norm over the steps (gradient flow)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(8, 4.5))
        for name in self.layers:
            axes.plot(self.history(name), label=name, linewidth=1)
        axes.set_yscale("log")
        axes.set_xlabel("step")
        axes.set_ylabel("gradient norm")
        axes.set_title("gradient flow: per-layer gradient norm")
        if len(self.layers) <= 12:
            axes.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)


def _squares(array: np.ndarray) -> float:
    """The sum of squares, by one BLAS dot product (no temporary array)."""
    flat = array.reshape(-1)
    return float(np.dot(flat, flat))


def _from_convolution(tensor) -> bool:
    """True if `tensor` comes (through at most a norm) from a channels-first image op."""
    node = getattr(tensor, "grad_fn", None)
    for _ in range(3):
        if node is None:
            return False
        if node.name.startswith(("Conv", "MaxPool", "AvgPool", "BatchNorm")):
            return True
        inputs = getattr(node, "inputs", ())
        node = getattr(inputs[0], "grad_fn", None) if inputs else None
    return False
