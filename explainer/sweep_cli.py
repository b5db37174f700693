"""``python -m explainer sweep``: a sweep from the terminal, on local worker processes or a Dask cluster.

    sweep --preset NAME --grid FIELD=V1,V2,… [--grid …]
          [--sampler grid|random|tpe --trials N --range FIELD=LOW:HIGH[:log]]
          [--seeds K] [--epochs N] [--train-size N] [--workers W] [--dask ADDRESS|local]
          [--data-dir DIR] [--json]

A tqdm bar counts finished runs; ``--json`` prints one JSON object on the last
line: ``runs`` (each with ``config``, ``seed``, ``status``, ``val_accuracy``,
``test_accuracy``, ``seconds``), ``seconds``, ``engine`` and ``workers``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import TextIO

from .config import RunConfig
from .engines import engine_for
from .jobs import JobManager
from .memory import BoundedCache
from .presets import PRESETS
from .runstore import RunStore
from .sweep_runner import SweepRunner
from .sweeps import SAMPLERS, Axis, SweepError, SweepSpec, parse_axis
from .worker import DatasetRef

MEMORY_BYTES = 512 * 2**20  # finished runs kept while the sweep runs (none are written to disk)


def add_parser(commands, positive_int) -> None:
    """Register the ``sweep`` subcommand on ``commands`` (the CLI's subparsers)."""
    sweep = commands.add_parser("sweep", help="train a grid, random or TPE sweep of a preset")
    sweep.add_argument("--preset", required=True, choices=list(PRESETS), metavar="NAME")
    sweep.add_argument("--grid", action="append", default=[], type=grid_axis, metavar="FIELD=V1,V2,…",
                       help="a varied setting and its values (repeatable, at most 3 settings in all)")
    sweep.add_argument("--range", action="append", default=[], type=range_axis, metavar="FIELD=LOW:HIGH[:log]",
                       help="a varied setting drawn from a range by the random or TPE sampler")
    sweep.add_argument("--sampler", choices=SAMPLERS, default="grid")
    sweep.add_argument("--trials", type=positive_int, default=0, help="points for the random and TPE samplers")
    sweep.add_argument("--seeds", type=positive_int, default=1, help="runs per point, with seeds seed, seed+1, …")
    sweep.add_argument("--epochs", type=positive_int, help="override the preset's epochs (clears its step count)")
    sweep.add_argument("--train-size", type=positive_int, help="train on the first N training images")
    sweep.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                       help="local worker processes (or LocalCluster workers with --dask local)")
    sweep.add_argument("--dask", metavar="ADDRESS", default=os.environ.get("EXPLAINER_DASK") or None,
                       help="run on the Dask scheduler at ADDRESS, or 'local' for a LocalCluster here "
                            "(default: $EXPLAINER_DASK, else local processes)")
    sweep.add_argument("--data-dir")
    sweep.add_argument("--json", action="store_true", help="print a JSON summary as the last line")


def grid_axis(text: str) -> Axis:
    """argparse type: ``FIELD=V1,V2,…`` (or ``FIELD=LOW..HIGH/COUNT[*log]`` for spaced values)."""
    name, equals, values = text.partition("=")
    if not equals or not values.strip():
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not FIELD=V1,V2,…")
    try:
        return parse_axis(f"{name.strip()}:{values.strip()}")
    except SweepError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def range_axis(text: str) -> Axis:
    """argparse type: ``FIELD=LOW:HIGH`` or ``FIELD=LOW:HIGH:log``."""
    name, equals, span = text.partition("=")
    parts = span.split(":")
    if not equals or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not FIELD=LOW:HIGH[:log]")
    try:
        return parse_axis(f"{name.strip()}:{parts[0]}..{parts[1]}" + ("*log" if len(parts) == 3 else ""))
    except SweepError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def spec_from(parser: argparse.ArgumentParser, args: argparse.Namespace) -> SweepSpec:
    """The sweep the arguments describe; a bad combination exits 2 with the usage message."""
    base: RunConfig = PRESETS[args.preset].config
    if args.epochs is not None:
        base = base.replace(epochs=args.epochs, steps=0)
    if args.train_size is not None:
        base = base.replace(train_size=args.train_size)
    try:
        return SweepSpec(base, tuple(args.grid) + tuple(args.range), args.sampler, args.trials, args.seeds)
    except SweepError as error:
        parser.error(str(error))


def run(spec: SweepSpec, args: argparse.Namespace, data, out: TextIO, err: TextIO) -> int:
    """Run the sweep with a bar on ``err``; the JSON summary on ``out``."""
    from tqdm import tqdm

    dataset = DatasetRef.of(data)
    engine = engine_for(args.workers, args.dask, preload=dataset)
    manager = JobManager(engine, RunStore(BoundedCache("runs", MEMORY_BYTES)))
    started = time.perf_counter()
    try:
        runner = SweepRunner(spec, manager, dataset, (len(data.train_labels), len(data.test_labels)), "cli",
                             in_flight=engine.capacity + 1).start()
        with tqdm(total=spec.runs_planned, desc=f"sweep ({engine.name}, {engine.capacity} workers)", unit="run",
                  file=err, disable=None) as bar:
            while not runner.wait(0.2):
                bar.update(sum(record.finished for record in runner.records()) - bar.n)
            bar.update(sum(record.finished for record in runner.records()) - bar.n)
        if runner.refusal is not None:
            print(f"error: {runner.refusal}", file=err)
            return 1
        records = runner.records()
    finally:
        manager.close()
    seconds = time.perf_counter() - started
    best = max((r for r in records if r.val_accuracy is not None), key=lambda r: r.val_accuracy, default=None)
    if best is not None:
        shown = ", ".join(f"{name}={value}" for name, value in best.point.items())
        test = f", test {best.test_accuracy:.2%}" if best.test_accuracy is not None else ""
        print(f"best: {shown} (seed {best.config.seed}): validation {best.val_accuracy:.2%}{test}", file=err)
    if args.json:
        print(json.dumps({"runs": [{"config": r.config.to_dict(), "seed": r.config.seed, "point": r.point,
                                    "status": r.status, "val_accuracy": r.val_accuracy,
                                    "test_accuracy": r.test_accuracy, "seconds": r.seconds} for r in records],
                          "seconds": round(seconds, 3), "engine": engine.name, "workers": engine.capacity}),
              file=out)
    return 0
