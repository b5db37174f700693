"""A whole class at once: simulated visitors against a real server, and what it cost.

Starts ``streamlit run app.py`` on 127.0.0.1 (its own server, stopped by PID at
the end, with any worker process it left), then drives it with simulated
visitors that speak Streamlit's websocket protocol (``scripts/streamlit_client.py``):

1. **Idle page loads**: every page opened ``--idle-repeats`` times by a fresh
   visitor, one at a time (connect to first run finished).
2. **Solo**: one visitor presses "Train both runs" on the Train page: the
   baseline for CPU seconds and wall time.
3. **One config**: ``--visitors`` visitors open the Train page on the same
   config and press the button together; the server should train that pair
   once and let everyone watch it.
4. **Distinct pairs**: ``--pairs`` visitors, each on a config of its own (its
   own seed), press the button together, while ``--probes`` other visitors keep
   opening pages: the page-load times while training.

For each phase it prints trainings computed against requested (from the job
log the server writes, ``EXPLAINER_JOB_LOG``), page-load p50/p95, the time
until every visitor saw both results, peak RSS of the server process and,
separately, of its child (worker) processes, and CPU seconds of the server and
its children from the button press until everyone saw results (opening the
page is timed, not counted); each figure next to its target. A benchmark, not a test: it
exits 0 even when a target is missed (1 only when it could not run), and the
figures depend on what else the machine runs (the simulated visitors run on
the same machine: their own CPU seconds are printed too).

Usage (from the repository root; ``MNIST_DIR`` for the full MNIST)::

    python scripts/load_test.py [--visitors 20] [--pairs 10] [--probes 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python scripts/load_test.py` puts scripts/ on the path, not the repository root.
sys.path.insert(0, str(REPO_ROOT))

from scripts.streamlit_client import Visitor, VisitorError  # noqa: E402
from tests.browser import harness  # noqa: E402

# A run of a few seconds (about 1.7 CPU s on the 2-core development machine): the recommended network
# on a third of MNIST for 3 epochs. Smaller runs (784-64-10, 2 epochs on 10,000 images: 0.2 CPU s) would
# measure the watching more than the training.
SMALL = {"preset": "recommended", "hidden": "256,128", "epochs": "3", "train_size": "20000"}
TRAIN_BUTTON = "Train both runs"
RESULTS_SHOWN = "Run B: final validation accuracy"  # the Train page's last metric once both runs finished
RUNS_PER_PRESS = 2  # the button trains a pair: run A (decay) and run B (none)
# Page paths (the Overview at "/", not through its /overview alias, which adds a switch).
PAGES = {name: ("" if name == "overview" else path) for name, path in harness.PAGES.items()}
CPU_RATIO_TARGET = 1.5
P95_TARGET = 0.5


# --- measuring the server -------------------------------------------------------------------------

class ProcessMeter:
    """Samples a process and its descendants: RSS (peaks since :meth:`mark`) and CPU seconds.

    CPU seconds are summed over every process ever seen (each one's latest
    user + system time), so a worker that exited still counts up to its last
    sample. RSS counts pages that forked processes share once per process;
    every ``pss_every``-th sample also reads the proportional set size (PSS,
    shared pages split between their users), the honest sum for a memory budget.
    """

    def __init__(self, pid: int, every: float = 0.2, pss_every: int = 5) -> None:
        self.root = psutil.Process(pid)
        self.every = every
        self.pss_every = pss_every
        self._samples = 0
        self.peak_pss = 0
        self._cpu: dict[int, float] = {}
        self._lock = threading.Lock()
        self.peak_server = self.peak_children = 0
        # Every descendant seen, as psutil objects: they remember each process's start time, so a
        # signal never reaches an unrelated process that got the same PID later.
        self.children_seen: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="process-meter", daemon=True)

    def start(self) -> ProcessMeter:
        self._sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def mark(self) -> tuple[float, float]:
        """Reset the RSS peaks; returns the CPU seconds so far (server, children)."""
        self._sample()
        with self._lock:
            self.peak_server = self.peak_children = self.peak_pss = 0
        self._sample()
        return self.cpu()

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far: (the server process, all its descendants)."""
        self._sample()
        with self._lock:
            server = self._cpu.get(self.root.pid, 0.0)
            return server, sum(seconds for pid, seconds in self._cpu.items() if pid != self.root.pid)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def _sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        server_rss = children_rss = pss = 0
        cpu = {}
        self._samples += 1
        with_pss = self._samples % self.pss_every == 0
        for process in processes:
            try:
                with process.oneshot():
                    rss = process.memory_info().rss
                    times = process.cpu_times()
                    if with_pss:
                        pss += getattr(process.memory_full_info(), "pss", 0)
            except psutil.Error:
                continue
            cpu[process.pid] = times.user + times.system
            if process.pid == self.root.pid:
                server_rss = rss
            else:
                children_rss += rss
        with self._lock:
            self._cpu.update(cpu)
            self.children_seen.update((process.pid, process) for process in processes
                                      if process.pid in cpu and process.pid != self.root.pid)
            self.peak_server = max(self.peak_server, server_rss)
            self.peak_children = max(self.peak_children, children_rss)
            self.peak_pss = max(self.peak_pss, pss)


class JobLog:
    """The server's job events (one JSON object a line), read phase by phase."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def new_events(self) -> list[dict]:
        """Events written since the last call."""
        if not self.path.exists():
            return []
        with self.path.open() as file:
            file.seek(self.offset)
            text = file.read()
        complete = text[:text.rfind("\n") + 1]
        self.offset += len(complete.encode())
        return [json.loads(line) for line in complete.splitlines() if line.strip()]


# --- what the visitors do -------------------------------------------------------------------------

def _query(config: dict[str, str], seed: int) -> str:
    return urlencode({**config, "seed": seed})


async def page_load(url: str, path: str, query: str = "", timeout: float = 60) -> float:
    """A fresh visitor opens ``/path?query``: seconds until its first run finished."""
    async with Visitor(url) as visitor:
        seconds = await visitor.open(path, query, timeout=timeout)
        if visitor.errors:
            raise VisitorError(f"/{path}: {visitor.errors[0]}")
        return seconds


async def idle_loads(url: str, repeats: int) -> dict[str, list[float]]:
    """Each page ``repeats`` times, one visitor at a time (the first, warm-up visit to each is not counted)."""
    times: dict[str, list[float]] = {}
    for name, path in PAGES.items():
        await page_load(url, path)
        times[name] = [await page_load(url, path) for _ in range(repeats)]
    return times


async def probe(url: str, stop: asyncio.Event, times: list[float], failures: list[str]) -> None:
    """Open page after page (a fresh visitor each) until ``stop`` is set."""
    names = list(PAGES)
    index = 0
    while not stop.is_set():
        path = PAGES[names[index % len(names)]]
        index += 1
        try:
            times.append(await page_load(url, path))
        except (VisitorError, OSError, asyncio.TimeoutError) as error:
            failures.append(f"probe /{path}: {error}")
        await asyncio.sleep(0.05)


@dataclass
class Trainer:
    """One visitor who trains: when the Train page opened and when both results were on screen."""

    query: str
    opened: float = 0.0
    results_after: float | None = None
    auto_reruns: int = 0
    error: str = ""


async def train(url: str, trainer: Trainer, start_line: asyncio.Event, phase_start: list[float],
                timeout: float) -> None:
    """Open the Train page, wait for everyone, press the button, watch until both results show."""
    try:
        async with Visitor(url) as visitor:
            trainer.opened = await visitor.open("train", trainer.query, timeout=timeout)
            await start_line.wait()
            await visitor.click(TRAIN_BUTTON, timeout=timeout)
            await visitor.wait_for_text(RESULTS_SHOWN, timeout=timeout)
            trainer.results_after = time.perf_counter() - phase_start[0]
            trainer.auto_reruns = visitor.auto_reruns
            if visitor.errors:
                trainer.error = visitor.errors[0]
    except (VisitorError, OSError, asyncio.TimeoutError) as error:
        trainer.error = str(error) or type(error).__name__


# --- one phase ------------------------------------------------------------------------------------

@dataclass
class Phase:
    """The figures of one phase."""

    name: str
    visitors: int
    requested: int
    computed: int
    events: dict[str, int]
    finished: int
    all_results_s: float | None
    opens_s: list[float]
    probe_loads_s: list[float]
    cpu_server_s: float
    cpu_children_s: float
    peak_server_mb: float
    peak_children_mb: float
    peak_pss_mb: float
    run_cpu_s: list[float] = field(default_factory=list)  # each computed run's CPU seconds (the job log)
    auto_reruns: int = 0  # fragment reruns the training visitors asked for while watching
    errors: list[str] = field(default_factory=list)

    @property
    def cpu_s(self) -> float:
        return self.cpu_server_s + self.cpu_children_s


async def phase(name: str, url: str, queries: list[str], probes: int, meter: ProcessMeter, job_log: JobLog,
                timeout: float) -> Phase:
    """``len(queries)`` visitors train at once (one query each) while ``probes`` visitors open pages."""
    job_log.new_events()
    meter.mark()
    trainers = [Trainer(query) for query in queries]
    start_line, stop_probes = asyncio.Event(), asyncio.Event()
    phase_start = [time.perf_counter()]
    tasks = [asyncio.create_task(train(url, trainer, start_line, phase_start, timeout)) for trainer in trainers]
    # Everyone opens the page, then presses the button at the same moment.
    deadline = time.perf_counter() + timeout
    while any(trainer.opened == 0 and not trainer.error for trainer in trainers) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    probe_times: list[float] = []
    failures: list[str] = []
    probe_tasks = [asyncio.create_task(probe(url, stop_probes, probe_times, failures)) for _ in range(probes)]
    # CPU counts from the press on: what training and watching cost, not opening the page (timed above).
    server_before, children_before = meter.cpu()
    phase_start[0] = time.perf_counter()
    start_line.set()
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=timeout)
    except asyncio.TimeoutError:
        failures.append(f"{name}: not every visitor saw results within {timeout:g} s")
        for task in tasks:
            task.cancel()
    stop_probes.set()
    await asyncio.gather(*probe_tasks, return_exceptions=True)
    await asyncio.sleep(1.5)  # let the job log and the last samples catch up
    server_after, children_after = meter.cpu()
    events: dict[str, int] = {}
    run_cpu = []
    for event in job_log.new_events():
        events[event["event"]] = events.get(event["event"], 0) + 1
        if event["event"] == "computed" and "seconds" in event:
            run_cpu.append(float(event["seconds"]))
    done = [trainer.results_after for trainer in trainers if trainer.results_after is not None]
    return Phase(
        name=name, visitors=len(queries), requested=RUNS_PER_PRESS * len(queries),
        computed=events.get("computed", 0), events=events, finished=len(done),
        all_results_s=max(done) if len(done) == len(trainers) else None,
        opens_s=[trainer.opened for trainer in trainers if trainer.opened],
        probe_loads_s=probe_times,
        cpu_server_s=server_after - server_before, cpu_children_s=children_after - children_before,
        peak_server_mb=meter.peak_server / 2**20, peak_children_mb=meter.peak_children / 2**20,
        peak_pss_mb=meter.peak_pss / 2**20,
        run_cpu_s=run_cpu, auto_reruns=sum(trainer.auto_reruns for trainer in trainers), errors=failures + [f"visitor {index}: {trainer.error}" for index, trainer in enumerate(trainers)
                           if trainer.error])


# --- printing -------------------------------------------------------------------------------------

def percentile(samples: list[float], share: float) -> float | None:
    """The ``share`` quantile (0–1) of ``samples`` (nearest rank), or None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f} s"


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def describe(result: Phase, solo: Phase | None, expect_computed: int | None, cpu_target: bool = False) -> list[str]:
    """The phase's figures as printable lines, targets alongside."""
    lines = [f"== {result.name}: {result.visitors} visitor(s), {result.requested} trainings requested"]
    computed = f"trainings computed: {result.computed} of {result.requested} requested"
    if expect_computed is not None:
        computed += f" (target {expect_computed}: {_verdict(result.computed == expect_computed)})"
    if result.run_cpu_s:
        computed += f", {statistics.mean(result.run_cpu_s):.2f} CPU s each (mean)"
    others = {key: count for key, count in result.events.items() if key != "computed"}
    lines.append(computed + (f"; other job events {others}" if others else ""))
    finished = f"visitors who saw both results: {result.finished} of {result.visitors}"
    lines.append(finished + f" (target all: {_verdict(result.finished == result.visitors)})")
    lines.append(f"time until every visitor saw its results: {_seconds(result.all_results_s)}")
    lines.append(f"Train page opened by {result.visitors} visitor(s) at once: p50 "
                 f"{_seconds(percentile(result.opens_s, 0.5))}, p95 {_seconds(percentile(result.opens_s, 0.95))}")
    if result.probe_loads_s:
        p95 = percentile(result.probe_loads_s, 0.95)
        lines.append(f"page load while training ({len(result.probe_loads_s)} loads by other visitors): p50 "
                     f"{_seconds(percentile(result.probe_loads_s, 0.5))}, p95 {_seconds(p95)} "
                     f"(target p95 < {P95_TARGET} s: {_verdict(p95 < P95_TARGET)})")
    cpu = (f"CPU seconds: {result.cpu_s:.1f} (server {result.cpu_server_s:.1f}, "
           f"worker processes {result.cpu_children_s:.1f})")
    if solo is not None and solo.cpu_s > 0:
        ratio = result.cpu_s / solo.cpu_s
        cpu += f" = {ratio:.2f}x the solo run's {solo.cpu_s:.1f}"
        if cpu_target:
            cpu += f" (target <= {CPU_RATIO_TARGET}x: {_verdict(ratio <= CPU_RATIO_TARGET)})"
    lines.append(cpu)
    if result.auto_reruns:
        lines.append(f"live-view fragment reruns asked by the watching visitors: {result.auto_reruns} "
                     f"(server CPU {1000 * result.cpu_server_s / result.auto_reruns:.0f} ms per rerun, "
                     f"if they were all it did)")
    lines.append(f"peak RSS: server process {result.peak_server_mb:.0f} MB, its child processes together "
                 f"{result.peak_children_mb:.0f} MB; peak PSS of all of them {result.peak_pss_mb:.0f} MB")
    lines.extend(f"  problem: {error}" for error in result.errors[:10])
    return lines


# --- the whole run --------------------------------------------------------------------------------

async def run_all(server, meter: ProcessMeter, job_log: JobLog, args) -> dict:
    url = server.url
    seed = args.seed
    config = dict(SMALL, **dict(item.split("=", 1) for item in args.config))
    report: dict = {"config": config}
    print(f"config: {urlencode(config)}, seeds from {seed} (one per phase and visitor group)", flush=True)
    print(f"warm-up: first visit {await page_load(url, '', timeout=180):.2f} s (reads MNIST; not counted)",
          flush=True)
    warm = await phase("warm-up", url, [_query(config, seed - 1)], 0, meter, job_log, args.timeout)
    print(f"warm-up: one pair trained in {_seconds(warm.all_results_s)} (starts the worker processes; "
          f"not counted){'; ' + warm.errors[0] if warm.errors else ''}", flush=True)

    idle = await idle_loads(url, args.idle_repeats)
    every = [seconds for samples in idle.values() for seconds in samples]
    print(f"== idle page loads, one visitor at a time ({args.idle_repeats} per page after a warm-up visit)")
    for name, samples in idle.items():
        print(f"  /{PAGES[name]:<9} p50 {_seconds(percentile(samples, 0.5))}, "
              f"p95 {_seconds(percentile(samples, 0.95))}")
    print(f"  all pages: p50 {_seconds(percentile(every, 0.5))}, p95 {_seconds(percentile(every, 0.95))}",
          flush=True)
    report["idle"] = idle

    solo = await phase("solo", url, [_query(config, seed)], 0, meter, job_log, args.timeout)
    print("\n".join(describe(solo, None, RUNS_PER_PRESS)), flush=True)
    crowd = await phase("one config", url, [_query(config, seed + 1)] * args.visitors, 0, meter, job_log,
                        args.timeout)
    print("\n".join(describe(crowd, solo, RUNS_PER_PRESS, cpu_target=True)), flush=True)
    distinct = await phase("distinct pairs", url,
                           [_query(config, seed + 2 + index) for index in range(args.pairs)],
                           args.probes, meter, job_log, args.timeout)
    print("\n".join(describe(distinct, solo, RUNS_PER_PRESS * args.pairs)), flush=True)
    report["phases"] = [asdict(result) for result in (solo, crowd, distinct)]
    return report


def cleanup(server, meter: ProcessMeter | None) -> list[str]:
    """Stop the server by its PID, then any of its worker processes still alive (by PID); returns those."""
    leftovers = []
    seen = dict(meter.children_seen) if meter is not None else {}
    try:
        seen.update((child.pid, child) for child in psutil.Process(server.process.pid).children(recursive=True))
    except psutil.Error:
        pass
    server.stop()
    processes = [process for process in seen.values() if process.is_running()]
    _gone, alive = psutil.wait_procs(processes, timeout=5)  # a moment to exit on their own
    for process in alive:
        try:
            leftovers.append(f"{process.pid} ({' '.join(process.cmdline())[:120]})")
            process.terminate()
        except psutil.Error:
            continue
    _gone, still = psutil.wait_procs(alive, timeout=5)
    for process in still:
        try:
            process.kill()
        except psutil.Error:
            continue
    return leftovers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=20, help="visitors training the same config")
    parser.add_argument("--pairs", type=int, default=10, help="visitors training a config of their own each")
    parser.add_argument("--probes", type=int, default=2, help="visitors opening pages while the pairs train")
    parser.add_argument("--idle-repeats", type=int, default=5, help="timed loads of each page when idle")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000 * 100,
                        help="first random seed (each phase uses its own, so nothing comes from a cache)")
    parser.add_argument("--config", nargs="*", default=[], metavar="FIELD=VALUE",
                        help=f"change the trained config (default {urlencode(SMALL)})")
    parser.add_argument("--profile", default="public", help="EXPLAINER_PROFILE for the server")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each phase may take at most")
    parser.add_argument("--json", action="store_true", help="also print one JSON object on the last line")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="load-test-"))
    job_log = JobLog(workdir / "jobs.jsonl")
    env = {"EXPLAINER_JOB_LOG": str(job_log.path), "EXPLAINER_PROFILE": args.profile,
           "EXPLAINER_RUNS_DIR": str(workdir / "runs")}  # no run survives from an earlier load test
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"data: {os.environ.get('MNIST_DIR') or 'the cache or the bundled sample'}", flush=True)
    server = harness.start_server(timeout=120, env=env)
    meter = None
    client = psutil.Process()
    client_before = sum(client.cpu_times()[:2])
    try:
        meter = ProcessMeter(server.process.pid).start()
        report = asyncio.run(run_all(server, meter, job_log, args))
        overall_server, overall_children = meter.cpu()
        print(f"== whole test: server CPU {overall_server:.1f} s, worker processes {overall_children:.1f} s, "
              f"{len(meter.children_seen)} child process(es) seen; these simulated visitors used "
              f"{sum(client.cpu_times()[:2]) - client_before:.1f} CPU s on the same machine", flush=True)
    except Exception as error:  # noqa: BLE001 - say what broke, then clean up
        print(f"load test failed: {error!r}\n--- server output ---\n{server.output()[-4000:]}", flush=True)
        return 1
    finally:
        if meter is not None:
            meter.stop()
        leftovers = cleanup(server, meter)
        if leftovers:
            print(f"stopped {len(leftovers)} worker process(es) the server left behind: {leftovers}")
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
