"""The `chainrule` command line."""

from __future__ import annotations

import argparse
import sys

from . import explain, predict, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chainrule", description=(
        "chainrule: deep learning on NumPy with readable backpropagation"))
    commands = parser.add_subparsers(dest="command", required=True)
    train_parser = commands.add_parser("train", help="train a classifier on Fashion-MNIST",
                                       description=train.__doc__,
                                       formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_arguments(train_parser)
    train_parser.set_defaults(func=train.run)
    explain_parser = commands.add_parser(
        "explain", help="backpropagation step by step, or attributions of a classifier",
        description=explain.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    explain.add_arguments(explain_parser)
    explain_parser.set_defaults(func=explain.run)
    predict_parser = commands.add_parser(
        "predict", help="classify image files with a trained run's weights",
        description=predict.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    predict.add_arguments(predict_parser)
    predict_parser.set_defaults(func=predict.run)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
