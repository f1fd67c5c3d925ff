"""Where a `chainrule train` run writes, and how it resumes: nothing is silently lost.

A new run never replaces an earlier one: without `--out` it takes `runs/MODEL`, or
`runs/MODEL-2`, `-3`, ... when that holds a run already; an `--out` folder that holds a
run is refused unless `--overwrite` is given. After each epoch the run writes
`checkpoints/epoch-N.safetensors` (the last few are kept), from which `--resume` continues
with the run's own settings and repeats the uninterrupted run bit for bit.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import checkpoint

# the settings a resumed run takes from its checkpoint, so the run it continues is the same
RESUMED_SETTINGS = ("model", "epochs", "batch_size", "optimizer", "lr", "label_smoothing",
                    "dropout", "seed", "data", "train_size", "test_size", "nan_policy")
RUN_FILES = ("metrics.json", "weights.safetensors", "checkpoints")


def holds_a_run(folder: Path) -> bool:
    return any((folder / name).exists() for name in RUN_FILES)


def output_folder(args) -> Path:
    """The folder of this run (see the module docstring)."""
    if args.out is not None:
        if holds_a_run(args.out) and not args.overwrite and not args.resume:
            raise SystemExit(f"chainrule train: {args.out} holds an earlier run; choose "
                             f"another --out, pass --overwrite to replace it, or --resume "
                             f"{args.out} to continue it")
        return args.out
    base = Path("runs") / args.model
    folder, number = base, 1
    while holds_a_run(folder):
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


def checkpoint_to_resume(path: Path) -> Path:
    """A checkpoint file, or the latest one of a run folder."""
    if path.is_file():
        return path
    found = sorted((path / "checkpoints").glob("epoch-*.safetensors"),
                   key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))
    if not found:
        raise SystemExit(f"chainrule train: --resume {path}: no checkpoint there (a run "
                         f"folder has checkpoints/epoch-N.safetensors after each epoch)")
    return found[-1]


def load_resume(args) -> dict | None:
    """The checkpoint to continue from, with the run's settings copied into `args`."""
    if args.resume is None:
        return None
    path = checkpoint_to_resume(args.resume)
    state = checkpoint.load(path)
    saved = state["extra"]["config"]
    for name in RESUMED_SETTINGS:
        value = saved.get(name)
        setattr(args, name, Path(value) if name == "data" and value else value)
    if args.out is None:
        args.out = args.resume if args.resume.is_dir() else path.parent.parent
    print(f"resuming {path} after epoch {state['epoch']} of {args.epochs}", flush=True)
    return state


def save_epoch(out: Path, epoch: int, keep: int, **state) -> Path:
    """Write this epoch's checkpoint and drop all but the last `keep`."""
    folder = out / "checkpoints"
    folder.mkdir(exist_ok=True)
    path = checkpoint.save(folder / f"epoch-{epoch}.safetensors", epoch=epoch, **state)
    for old in folder.glob("epoch-*.safetensors"):
        if int(re.findall(r"\d+", old.stem)[-1]) <= epoch - keep:
            old.unlink()
    return path
