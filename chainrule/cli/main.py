"""The `chainrule` command line."""

from __future__ import annotations

import argparse
import sys

from . import train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chainrule", description=(
        "chainrule: deep learning on NumPy with readable backpropagation"))
    commands = parser.add_subparsers(dest="command", required=True)
    train_parser = commands.add_parser("train", help="train a classifier on Fashion-MNIST",
                                       description=train.__doc__,
                                       formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_arguments(train_parser)
    train_parser.set_defaults(func=train.run)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
