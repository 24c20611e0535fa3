"""The `numen` command: train a model on a table, then predict, evaluate or inspect it.

    numen train data.csv --target price --epochs 30 -o model.keras --plot curves.png
    numen predict model.keras new.csv -o predictions.csv
    numen evaluate model.keras test.csv --target price
    numen summary model.keras
    numen demo
    numen playground

Exit status: 0 on success, 1 for a problem with the user's files or data, 2 for a wrong
command line (argparse's convention).
"""

from __future__ import annotations

import argparse
import os
import sys

from numen.cli.tabular import UserError


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes like 64,32, "
                                         f"got {text!r}") from None
    if any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def _verbose(text: str):
    if text == "auto":
        return "auto"
    if text in ("0", "1", "2"):
        return int(text)
    raise argparse.ArgumentTypeError(f"expected auto, 0, 1 or 2, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="numen", description="Train and use Keras-style neural networks on tables.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser(
        "train", help="train a model on a CSV/Parquet table",
        description="Train a neural network to predict one column of a table from the others. "
                    "The task (binary, multiclass, regression) follows from the target column; "
                    "text columns are one-hot encoded and numeric ones standardized.")
    train.add_argument("data", help="training table (.csv, or .parquet with pandas+pyarrow)")
    train.add_argument("--target", required=True, help="the column to predict")
    train.add_argument("-o", "--output", default="model.keras",
                       help="where to save the model (default: model.keras)")
    train.add_argument("--task", default="auto",
                       choices=["auto", "binary", "multiclass", "regression"],
                       help="override the task detected from the target (default: auto)")
    train.add_argument("--layers", type=_layers, default=[64, 32],
                       help="hidden layer sizes, comma-separated (default: 64,32)")
    train.add_argument("--epochs", type=_positive_int, default=20, help="default: 20")
    train.add_argument("--batch-size", type=_positive_int, default=32, help="default: 32")
    train.add_argument("--optimizer", default="adam", help="a Keras optimizer name "
                       "(default: adam)")
    train.add_argument("--learning-rate", type=float, default=None,
                       help="learning rate (default: the optimizer's own)")
    train.add_argument("--validation-split", type=float, default=0.2,
                       help="share of rows held out for validation (default: 0.2)")
    train.add_argument("--early-stopping", type=_positive_int, default=None, metavar="PATIENCE",
                       help="stop after PATIENCE epochs without a better validation loss, "
                            "keeping the best weights")
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    train.add_argument("--plot", default=None, metavar="FILE",
                       help="save the loss/metric curves to FILE (needs matplotlib)")
    train.add_argument("--verbose", type=_verbose, default="auto",
                       help="progress display: auto, 0 (silent), 1 (bar), 2 (line per epoch)")

    predict = sub.add_parser("predict", help="predict with a trained model",
                             description="Write one prediction per row of DATA (plus class "
                                         "probabilities for classifiers) as CSV.")
    predict.add_argument("model", help="a .keras file written by `numen train`")
    predict.add_argument("data", help="table with the training feature columns")
    predict.add_argument("-o", "--output", default=None, help="CSV file (default: stdout)")

    evaluate = sub.add_parser("evaluate", help="score a trained model on labelled data",
                              description="Report accuracy and log loss (classifiers) or MAE, "
                                          "RMSE and R^2 (regression) on DATA.")
    evaluate.add_argument("model", help="a .keras file written by `numen train`")
    evaluate.add_argument("data", help="table with the feature columns and the target")
    evaluate.add_argument("--target", default=None,
                          help="the target column (default: the one the model was trained on)")

    summary = sub.add_parser("summary", help="show a trained model's layers and preprocessing",
                             description="Print the layer table and how each input column "
                                         "is encoded.")
    summary.add_argument("model", help="a .keras file written by `numen train`")

    sub.add_parser("demo", help="train on handwritten digits (the five-step workflow)",
                   description="Run numen's demo: an MLP on the UCI handwritten digits.")
    play = sub.add_parser("playground", help="build and train models in the browser",
                          description="Start the numen playground, a local web page to build, "
                                      "train and inspect a model, then take its code and "
                                      ".keras file. Needs: pip install 'numen[playground]'.")
    play.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default: 127.0.0.1, this machine only)")
    play.add_argument("--port", type=_positive_int, default=8765, help="default: 8765")
    play.add_argument("--no-browser", action="store_true",
                      help="print the address without opening a browser")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (also the process's, via the script)."""
    args = build_parser().parse_args(argv)
    from numen.cli import commands

    if args.command == "demo":
        from numen import demo

        demo.main()
        return 0
    if args.command == "playground":
        return _playground(args)
    handler = {"train": commands.train, "predict": commands.predict,
               "evaluate": commands.evaluate, "summary": commands.summary}[args.command]
    try:
        return handler(args)
    except UserError as exc:
        print(f"numen {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:  # an optional extra (matplotlib, pandas) is missing
        print(f"numen {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`numen predict ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _playground(args) -> int:
    try:
        from numen.playground.server import serve
    except ImportError as exc:
        print(f"numen playground: error: {exc}; install the extra with "
              "pip install 'numen[playground]'", file=sys.stderr)
        return 1
    try:
        serve(host=args.host, port=args.port, open_browser=not args.no_browser)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
