"""`chainrule train`: train a classifier on Fashion-MNIST and report its test accuracy.

The default recipe (for the MLP): inputs standardized with the training set's mean and
standard deviation, dropout 0.1, Adam with a one-cycle schedule peaking at lr 2e-3, label
smoothing 0.1, batch 128, 10 epochs; 5,000 training images are held out for validation.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from .. import checkpoint, nn, optim
from .. import distributed as dist
from ..autograd.grad_mode import no_grad
from ..data import DataLoader, DistributedSampler, TensorDataset
from ..data.datasets import FashionMNIST
from ..diagnostics import GradientMonitor
from ..io import save
from ..nn.parallel import DistributedDataParallel
from ..random import Generator, manual_seed
from ..tensor import Tensor
from ..utils.nan_policy import POLICIES, NaNPolicy
from .models import MODELS
from .report import plot_curves, write_metrics
from .runs import load_resume, output_folder, save_epoch

OPTIMIZERS = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD,
              "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta}
DEFAULT_LR = {"adam": 2e-3, "adamw": 2e-3, "sgd": 0.1, "rmsprop": 1e-3, "adagrad": 0.05,
              "adadelta": 1.0}
VALIDATION_SIZE = 5000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=sorted(MODELS), default="mlp")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    parser.add_argument("--lr", type=float, default=None,
                        help="peak lr of the one-cycle schedule (default: per optimizer)")
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--dropout", type=float, default=None,
                        help="dropout rate (default: 0.1 for mlp, lstm and gru, 0.25 for cnn)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="output folder (runs/MODEL)")
    parser.add_argument("--data", type=Path, default=None, help="folder with the IDX files")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on this many images only (a quick run)")
    parser.add_argument("--test-size", type=int, default=None,
                        help="evaluate on this many test images only")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--resume", type=Path, default=None,
                        help="continue a run: its folder (latest checkpoint) or a checkpoint "
                             "file; the run's own settings are used")
    parser.add_argument("--overwrite", action="store_true",
                        help="let --out replace an earlier run in that folder")
    parser.add_argument("--keep-checkpoints", type=int, default=3,
                        help="how many per-epoch checkpoints to keep (default 3)")
    parser.add_argument("--nan-policy", choices=POLICIES, default=None,
                        help="on a non-finite loss or gradient: diagnose the op that made it, "
                             "then raise, stop, skip the batch, or roll back to the epoch's "
                             "start with half the learning rate")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over MPI: launch as mpirun -n N chainrule train "
                             "--distributed; each process trains on its share with "
                             "--batch-size images a step; rank 0 prints and writes")
    parser.add_argument("--watch-gradients", action="store_true",
                        help="monitor gradient health per layer: warn about vanishing or "
                             "exploding gradients, dead ReLUs and update sizes; write a "
                             "report and gradient_flow.png")


def _positive(name: str, value) -> None:
    if value is not None and value <= 0:
        raise SystemExit(f"chainrule train: --{name} must be positive, got {value}")


def load_data(args) -> tuple[np.ndarray, ...]:
    """Standardized float32 images (N, 1, 28, 28) and int64 labels: train, val, test."""
    train = FashionMNIST(args.data, train=True)
    test = FashionMNIST(args.data, train=False)
    order = np.random.default_rng(args.seed).permutation(len(train))
    val_idx, train_idx = order[:VALIDATION_SIZE], order[VALIDATION_SIZE:]
    if args.train_size is not None:
        train_idx = train_idx[: args.train_size]
        val_idx = val_idx[: max(args.train_size // 10, 1)]
    images, labels = train.data.numpy(), train.targets.numpy()
    test_images, test_labels = test.data.numpy(), test.targets.numpy()
    if args.test_size is not None:
        test_images, test_labels = test_images[: args.test_size], test_labels[: args.test_size]
    # One float32 copy per split, standardized in place with the training split's statistics.
    x_train, x_val, x_test = (part[:, None].astype(np.float32) for part in
                              (images[train_idx], images[val_idx], test_images))
    x_train *= 1 / 255.0
    mean, std = float(x_train.mean()), float(x_train.std())
    for x in (x_val, x_test):
        x *= 1 / 255.0
    for x in (x_train, x_val, x_test):
        x -= mean
        x /= std
    return (x_train, labels[train_idx], x_val, labels[val_idx], x_test, test_labels, mean, std)


def evaluate(model: nn.Module, images: np.ndarray, labels: np.ndarray,
             batch_size: int = 1000) -> tuple[float, float]:
    """Mean cross-entropy and accuracy, in eval mode and without recording."""
    model.eval()
    total_loss, correct = 0.0, 0
    with no_grad():
        for start in range(0, len(images), batch_size):
            x = Tensor._wrap(images[start : start + batch_size])
            y = labels[start : start + batch_size]
            logits = model(x)
            total_loss += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += int((logits._data.argmax(1) == y).sum())
    model.train()
    return total_loss / len(images), correct / len(images)


def _progress(total: int, description: str, disable: bool):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=description, unit="batch", leave=True, disable=disable,
                dynamic_ncols=True)


def run(args) -> int:
    resumed = load_resume(args)
    for name in ("epochs", "batch_size", "train_size", "test_size", "lr", "keep_checkpoints"):
        _positive(name.replace("_", "-"), getattr(args, name))
    if args.data is not None and not FashionMNIST._complete(args.data):
        names = ", ".join(name for name, _ in FashionMNIST.resources)
        raise SystemExit(f"chainrule train: --data {args.data} does not hold the "
                         f"Fashion-MNIST IDX files ({names})")
    if args.distributed:
        dist.init_process_group("mpi")
    main_rank = not args.distributed or dist.get_rank() == 0
    say = print if main_rank else _quiet
    args.no_progress = args.no_progress or not main_rank
    manual_seed(args.seed)
    out = output_folder(args) if main_rank else None
    if main_rank:
        out.mkdir(parents=True, exist_ok=True)
    x_train, y_train, x_val, y_val, x_test, y_test, mean, std = load_data(args)

    net = MODELS[args.model]() if args.dropout is None else \
        MODELS[args.model](dropout=args.dropout)
    # the model trained: the network itself, or its replica that averages gradients
    model = DistributedDataParallel(net) if args.distributed else net
    lr = args.lr or DEFAULT_LR[args.optimizer]
    extra = {"momentum": 0.9, "nesterov": True} if args.optimizer == "sgd" else {}
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), lr=lr, **extra)
    dataset = TensorDataset(Tensor._wrap(x_train), Tensor._wrap(y_train))
    sampler = DistributedSampler(dataset, seed=args.seed) if args.distributed else None
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=sampler is None,
                        sampler=sampler, generator=Generator(args.seed))
    schedule = optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=args.epochs * len(loader),
        cycle_momentum=args.optimizer in ("adam", "adamw", "sgd", "rmsprop"))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)

    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
              if k != "func"}
    config.update(lr=lr, standardize={"mean": mean, "std": std}, train_images=len(x_train),
                  validation_images=len(x_val), test_images=len(x_test))
    processes = f", {dist.get_world_size()} processes" if args.distributed else ""
    say(f"chainrule train: {args.model} on Fashion-MNIST, {len(x_train)} training images, "
        f"{args.epochs} epochs{processes}; output in {out}", flush=True)
    history: list[dict] = []
    first = 1
    if resumed is not None:
        checkpoint.restore(resumed, model=net, optimizer=optimizer, scheduler=schedule,
                           rng=loader.generator)
        history, first = resumed["metrics"], resumed["epoch"] + 1
    interrupted = False
    monitor = GradientMonitor(net).attach() if args.watch_gradients else None
    nan_policy = args.nan_policy and NaNPolicy(args.nan_policy, net, optimizer)
    try:
        for epoch in range(first, args.epochs + 1):
            if nan_policy:
                nan_policy.save_good_state()
            if sampler is not None:
                sampler.set_epoch(epoch)
            history.append(_train_epoch(model, loader, optimizer, schedule, loss_fn, epoch,
                                        args, x_val, y_val, nan_policy))
            h = history[-1]
            say(f"epoch {epoch}/{args.epochs}: loss {h['train_loss']:.4f}, accuracy "
                f"{h['train_accuracy']:.4f}, validation accuracy {h['val_accuracy']:.4f}, "
                f"{h['samples_per_second']:.0f} images/s", flush=True)
            if h.get("stopped"):
                say("stopped: the NaN policy ended training", flush=True)
                break
            if main_rank:
                save_epoch(out, epoch, args.keep_checkpoints, model=net, optimizer=optimizer,
                           scheduler=schedule, rng=loader.generator, metrics=history,
                           config=config)
    except KeyboardInterrupt:
        interrupted = True
        say("\ninterrupted: saving the model trained so far", flush=True)
    if monitor is not None:
        monitor.detach()
    if not main_rank:
        return 130 if interrupted else 0

    test_loss, test_accuracy = evaluate(net, x_test, y_test)
    weights = out / "weights.safetensors"
    save(net.state_dict(), weights)
    metrics = {"model": args.model, "config": config, "epochs": history,
               "test_loss": test_loss, "test_accuracy": test_accuracy,
               "interrupted": interrupted, "weights": str(weights)}
    if monitor is not None:
        monitor.report()
        monitor.plot(out / "gradient_flow.png")
        metrics["gradient_findings"] = [str(f) for f in monitor.findings]
    write_metrics(out / "metrics.json", metrics)
    plotted = history and plot_curves(out / "curves.png", history)
    print(f"test accuracy {test_accuracy:.4f} (loss {test_loss:.4f})")
    print(f"saved {weights}, {out / 'metrics.json'}"
          + (f" and {out / 'curves.png'}" if plotted else ""), flush=True)
    return 130 if interrupted else 0


def _quiet(*args, **kwargs) -> None:
    """print for the processes other than rank 0 of a distributed run."""


def _train_epoch(model, loader, optimizer, schedule, loss_fn, epoch, args, x_val, y_val,
                 nan_policy=None):
    bar = _progress(len(loader), f"epoch {epoch}/{args.epochs}", args.no_progress)
    total_loss, correct, seen, stopped = 0.0, 0, 0, False
    start = time.perf_counter()
    model.train()
    for x, y in loader:
        def forward_backward(x=x, y=y):
            logits = model(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad()
            loss.backward()
            return logits, loss

        logits, loss = forward_backward()
        verdict = nan_policy.check(loss, forward_backward) if nan_policy else "ok"
        if verdict == "ok":
            optimizer.step()
        schedule.step()
        if verdict == "stop":
            stopped = True
            break
        if verdict == "skip":
            continue
        n = len(y)
        total_loss += loss.item() * n
        correct += int((logits._data.argmax(1) == y._data).sum())
        seen += n
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}",
                            img_per_s=f"{seen / (time.perf_counter() - start):.0f}", refresh=False)
    seconds = time.perf_counter() - start
    val_loss, val_accuracy = evaluate(model, x_val, y_val)
    if bar is not None:
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.4f}",
                        val_acc=f"{val_accuracy:.4f}", img_per_s=f"{seen / seconds:.0f}")
        bar.close()
    seen = max(seen, 1)
    return {"epoch": epoch, "train_loss": total_loss / seen, "train_accuracy": correct / seen,
            "val_loss": val_loss, "val_accuracy": val_accuracy, "seconds": seconds,
            "samples_per_second": seen / seconds, "stopped": stopped}

