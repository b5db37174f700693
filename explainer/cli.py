"""``python -m explainer``: presets, training, traces, gradient checks and the benchmark from a terminal.

Subcommands::

    presets                                   list the presets
    train --preset NAME [--epochs N] [--set FIELD=VALUE ...] [--data-dir DIR] [--json] [--save FILE]
    trace --preset NAME --batch M [--layout batch-first|feature-first]
    gradcheck                                 exit 1 if any relative error exceeds 1e-6
    sweep --preset NAME --grid FIELD=V1,V2 [...] [--sampler grid|random|tpe] [--dask ADDRESS|local] [--json]
    bench [--rounds N] [--json]

Bad arguments print a usage message and exit with code 2; expected failures
(missing data, a broken file) print one line and exit 1. Never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence, TextIO

import numpy as np

from . import sweep_cli, trainer
from .config import FIELDS, ConfigError, Notice, RunConfig
from .data import Mnist, MnistError, load_mnist
from .gradcheck import TOLERANCE, check_gradients, standard_configs
from .idx import IdxError
from .metrics import evaluate
from .persistence import ModelFileError, save_npz
from .prepare import Splits, normalize, prepare
from .presets import PRESETS, get_preset
from .trace import LAYOUTS, shape_text, trace_step

BAR_WIDTH = 30


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per command."""
    parser = argparse.ArgumentParser(prog="python -m explainer",
                                     description="A NumPy neural network for MNIST, built to be looked inside.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("presets", help="list the presets")

    train = commands.add_parser("train", help="train a preset on MNIST")
    train.add_argument("--preset", required=True, choices=list(PRESETS), metavar="NAME")
    train.add_argument("--epochs", type=positive_int, help="override the preset's epochs (clears its step count)")
    train.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", type=setting,
                       help="change one config field of the preset, e.g. --set init=zeros --set hidden=64; "
                            f"repeatable; fields: {', '.join(FIELDS)}")
    train.add_argument("--data-dir", help="folder with the four MNIST files (default: $MNIST_DIR, cache, download)")
    train.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    train.add_argument("--save", metavar="FILE.npz", help="save the trained weights")

    trace = commands.add_parser("trace", help="show every operation of one training step")
    trace.add_argument("--preset", required=True, choices=list(PRESETS), metavar="NAME")
    trace.add_argument("--batch", required=True, type=positive_int, help="batch size m")
    trace.add_argument("--layout", choices=LAYOUTS, default="batch-first")
    trace.add_argument("--data-dir")

    commands.add_parser("gradcheck", help="numerical vs backprop gradients for every activation/output/loss")

    sweep_cli.add_parser(commands, positive_int)

    bench = commands.add_parser("bench", help="time our trainer against references")
    bench.add_argument("--rounds", type=positive_int, default=7)
    bench.add_argument("--accuracy-epochs", type=positive_int, default=10)
    bench.add_argument("--data-dir")
    bench.add_argument("--json", action="store_true")
    return parser


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def setting(text: str) -> tuple[str, object]:
    """argparse type: ``FIELD=VALUE`` checked like a value from a URL (field known, value in range)."""
    name, equals, raw = text.partition("=")
    name = name.strip()
    if not equals:
        raise argparse.ArgumentTypeError(f"{text!r} is not FIELD=VALUE")
    if name not in FIELDS:
        raise argparse.ArgumentTypeError(f"unknown field {name!r}; choose from {', '.join(FIELDS)}")
    try:
        value = FIELDS[name].coerce(raw.strip())
        FIELDS[name].check(value)
    except (ConfigError, TypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return name, value


def configured(parser: argparse.ArgumentParser, args: argparse.Namespace) -> RunConfig:
    """The preset's config with ``--epochs`` and every ``--set`` applied; a bad combination exits 2."""
    config = get_preset(args.preset).config
    if args.epochs is not None:
        config = config.replace(epochs=args.epochs, steps=0)
    try:
        return config.replace(**dict(args.set))
    except ConfigError as error:
        parser.error(f"argument --set: {error}")


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run a command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with a usage message on bad arguments
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if args.command == "train":
        args.config = configured(subcommands.choices["train"], args)
    if args.command == "sweep":
        args.spec = sweep_cli.spec_from(subcommands.choices["sweep"], args)
    try:
        return COMMANDS[args.command](args, out, err)
    except (MnistError, IdxError, ModelFileError, ConfigError, OSError) as error:
        print(f"error: {error}", file=err)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130


def cmd_presets(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List presets with their claimed and measured accuracy."""
    for preset in PRESETS.values():
        claimed = f"{preset.claimed:.2%}" if preset.claimed else "–"
        measured = f"{preset.measured:.2%}" if preset.measured else "–"
        print(f"{preset.name:24s} {preset.config.architecture:18s} claimed {claimed:>7s}  measured {measured:>7s}  {preset.title}",
              file=out)
    return 0


def load_data(data_dir: str | None, err: TextIO) -> Mnist:
    """MNIST from the usual sources, reporting download progress on ``err``."""
    def progress(message: Notice, fraction: float) -> None:
        print(f"\r{str(message)[:60]:60s} {fraction:6.1%}", end="", file=err, flush=True)

    mnist = load_mnist(data_dir, progress=progress)
    print(f"\rdata: {mnist.description}".ljust(70), file=err)
    return mnist


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Train a preset with a live progress bar; optionally a JSON summary and saved weights."""
    preset = get_preset(args.preset)
    config = args.config
    mnist = load_data(args.data_dir, err)
    data = prepare(mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels, config)
    print(f"{preset.title}: {data.sizes}", file=err)
    result = None
    total = trainer.plan(config, len(data.y_train))[2]
    for event in trainer.train(config, data):
        if isinstance(event, trainer.Step):
            show_bar(event, total, err)
        elif isinstance(event, trainer.Evaluation) and event.step:
            print(f"\rstep {event.step:>6}  epoch {event.epoch:6.2f}  train acc {event.train_accuracy:.2%}  "
                  f"val acc {event.val_accuracy:.2%}  lr {event.lr:.3g}  {event.seconds:6.1f}s".ljust(90), file=err)
        elif isinstance(event, trainer.Finished):
            result = event.result
    assert result is not None
    if result.stop_reason:
        print(f"stopped: {result.stop_reason}", file=err)
    test_loss, test_accuracy = evaluate(result.params, data.X_test, data.y_test, config)
    train_accuracy = evaluate(result.params, data.X_train, data.y_train, config)[1]
    print(f"test accuracy {test_accuracy:.2%} (seed claims {preset.claimed:.2%})" if preset.claimed
          else f"test accuracy {test_accuracy:.2%}", file=out)
    if args.save:
        save_npz(args.save, result.params, config, result.diagnostics)
        print(f"saved {args.save}", file=err)
    if args.json:
        summary = {"preset": preset.name, "test_accuracy": test_accuracy, "test_loss": test_loss,
                   "train_accuracy": train_accuracy, "epochs": result.step_loss.size / trainer.plan(
                       config, len(data.y_train))[1], "steps": int(result.step_loss.size),
                   "seconds": result.seconds, "data_source": mnist.source, "data": mnist.description,
                   "diverged": result.diverged, "stop_reason": result.stop_reason, "config": config.to_dict(),
                   "diagnostics": result.diagnostics.to_json() if result.diagnostics else [],
                   "loss_line": _loss_line_json(result.diagnostics)}
        print(json.dumps(summary), file=out)
    return 1 if result.diverged else 0


def _loss_line_json(diagnostics) -> dict[str, list]:
    """The loss along the line from the initial to the final weights as {"t": [...], "loss": [...]}."""
    if diagnostics is None:
        return {"t": [], "loss": []}
    return {"t": [float(t) for t in diagnostics.line_t],
            "loss": [float(v) if np.isfinite(v) else None for v in diagnostics.line_loss]}


def show_bar(event: trainer.Step, total: int, err: TextIO) -> None:
    """Redraw a one-line progress bar about 200 times per run."""
    if event.step % max(total // 200, 1) and event.step != total:
        return
    done = int(BAR_WIDTH * event.step / total)
    print(f"\r[{'#' * done}{'.' * (BAR_WIDTH - done)}] {event.step}/{total}  loss {event.loss:.4f}",
          end="", file=err, flush=True)


def cmd_trace(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print every operation of one step with its shapes (and a glimpse of values)."""
    preset = get_preset(args.preset)
    mnist = load_data(args.data_dir, err)
    images = normalize(mnist.train_images[:args.batch], preset.config.normalization)
    labels = mnist.train_labels[:args.batch].astype(np.int64)
    if len(labels) < args.batch:
        print(f"error: only {len(labels)} training images available", file=err)
        return 1
    print(f"{preset.title}, batch m = {args.batch}, {args.layout}", file=out)
    for number, op in enumerate(trace_step(preset.config, images, labels, layout=args.layout), start=1):
        inputs = ", ".join(f"{tensor.name} {shape_text(tensor.shape)}" for tensor in op.inputs)
        print(f"{number:3d}. {op.phase:8s} {op.output.name:>4s} {shape_text(op.output.shape):>10s}  "
              f"<- {inputs}    {op.formula}", file=out)
    return 0


def cmd_gradcheck(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Check every standard config on a real batch of 8 images; exit 1 if any fails."""
    mnist = load_mnist()
    images = normalize(mnist.train_images[:8], "unit")
    labels = mnist.train_labels[:8].astype(np.int64)
    failed = 0
    for config in standard_configs():
        check = check_gradients(config, images, labels)
        verdict = "ok" if check.passed else "FAIL"
        failed += not check.passed
        print(f"{config.activation:10s} {config.output:7s} {config.loss:13s} max relative error "
              f"{check.max_error:.2e}  {verdict}", file=out)
    print(f"{failed} of {len(standard_configs())} configurations exceed {TOLERANCE:g}", file=out)
    return 1 if failed else 0


def cmd_bench(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the speed benchmark on the full training set."""
    from .bench import run_bench  # imports torch lazily, only here
    mnist = load_data(args.data_dir, err)
    # The benchmark trains on all 60k images and tests on the full 10k test set (no validation part).
    X_test, y_test = normalize(mnist.test_images, "unit"), mnist.test_labels.astype(np.int64)
    data = Splits(normalize(mnist.train_images, "unit"), mnist.train_labels.astype(np.int64),
                  X_test[:0], y_test[:0], X_test, y_test)
    figures = run_bench(data, rounds=args.rounds, accuracy_epochs=args.accuracy_epochs,
                        report=lambda line: print(line, file=out, flush=True))
    figures["data_source"] = mnist.source
    if args.json:
        print(json.dumps(figures), file=out)
    return 0


def cmd_sweep(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run a sweep (see :mod:`explainer.sweep_cli`)."""
    return sweep_cli.run(args.spec, args, load_data(args.data_dir, err), out, err)


COMMANDS = {"presets": cmd_presets, "train": cmd_train, "trace": cmd_trace, "gradcheck": cmd_gradcheck,
            "bench": cmd_bench, "sweep": cmd_sweep}
