"""Reading a sweep: which setting wins, whether that is more than luck, and why a run failed.

A sweep's runs (:class:`~explainer.sweeps.SweepRecord`) are grouped into
*cells*, one per point of the sweep, with the mean and spread of their seeds.
Three kinds of evidence come out of them, each as plain sentences returned as
``(template, values)`` pairs for the app to translate:

* **Matched pairs.** Two runs that differ in one setting alone (same values
  of every other varied setting, same seed) are a fair duel: everything else
  (initial weights where the architecture allows, batch order) is identical.
  For each varied setting we count how often its best value beats each other
  value in such duels, and by how much (the median, in percentage points).
* **Seed-to-seed noise.** Runs of the same point that differ only in their
  seed show how much luck moves the result: the median absolute difference
  between two seeds of one point. A win no larger than that may be luck.
* **Importance.** Optuna's parameter importance (PED-ANOVA, the default in
  Optuna 5) computed from the finished runs added to an in-memory study.

Failure causes are measured facts about a finished run, with the thresholds
below; each comes with a sentence that says what it means and what to try.

=================  ==========================================================================
cause              when (per run)
=================  ==========================================================================
diverged           the trainer stopped it: the loss became NaN, inf or exploded (its message)
stuck at chance    validation accuracy under :data:`STUCK_BELOW` (guessing scores 10%)
dead ReLUs         ReLU network, at least :data:`DEAD_AT_LEAST` of a hidden layer's units are
                   0 for every image of the 256-image validation probe batch at the end
saturated          sigmoid or tanh network, at least :data:`SATURATED_AT_LEAST` of a hidden
                   layer's activations sit in the flat tails (slope under 1% of its peak)
overfitting        training accuracy at least :data:`OVERFIT_GAP` above validation accuracy
=================  ==========================================================================
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .config import FIELDS, Notice
from .i18n import N_
from .sweeps import VIRTUAL, Axis, SweepRecord

CHANCE = 0.1  # what guessing scores on ten balanced digits; a diverged run counts as this
STUCK_BELOW = 0.2  # validation accuracy below this: the network learned almost nothing
DEAD_AT_LEAST = 0.5  # share of a hidden layer's ReLU units that never fire
SATURATED_AT_LEAST = 0.5  # share of a hidden layer's sigmoid/tanh activations in the flat tails
OVERFIT_GAP = 0.05  # training minus validation accuracy
TOP_RUNS = 4  # PED-ANOVA's group of best runs holds at least this many (see target_quantile)
CLEAR_WIN_SHARE = 0.75  # a value that wins this share of its duels (ties aside) wins clearly
SIGNIFICANT = 0.05  # ... and the sign test says a coin would rarely do that
FINISHED_WITH_NUMBERS = ("done", "stopped", "diverged")
log = logging.getLogger("explainer.sweeps")

Sentence = tuple[str, dict[str, Any]]


def setting_label(name: str) -> str:
    """The (untranslated) label of a varied setting, e.g. 'Learning rate'."""
    return VIRTUAL[name] if name in VIRTUAL else FIELDS[name].label


def shown(value: Any) -> str:
    """A setting's value as the sentences and charts print it: ``0.1``, ``1e-05``, ``relu``, ``128``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def score(record: SweepRecord) -> float | None:
    """The validation accuracy a run counts with: a diverged run scores :data:`CHANCE`; None if unknown."""
    if record.status == "diverged":
        return CHANCE
    if record.status in ("done", "stopped") and record.val_accuracy is not None and math.isfinite(record.val_accuracy):
        return float(record.val_accuracy)
    return None


# --- failure causes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cause:
    """Why a run (or a cell's runs) went wrong: ``code``, a short ``badge`` and a sentence.

    ``seeds`` is (runs with this cause, finished runs) for a cell; (1, 1) for a single run.
    """

    code: str
    badge: str
    template: str
    values: dict[str, Any]
    seeds: tuple[int, int] = (1, 1)


BADGES = {"diverged": N_("diverged"), "chance": N_("at chance"), "dead": N_("dead ReLUs"),
          "saturated": N_("saturated"), "overfit": N_("overfits")}
CAUSE_ORDER = tuple(BADGES)


def causes_of(record: SweepRecord) -> list[Cause]:
    """The failure causes of one finished run (empty when it has none, or has not finished)."""
    found = []
    if record.status == "diverged":
        found.append(Cause("diverged", BADGES["diverged"],
                           N_("Diverged: {reason}"), {"reason": record.message or Notice(N_("the loss became NaN"))}))
        return found  # its last measurements are of a broken network: nothing else to read
    if record.status not in ("done", "stopped"):
        return found
    if record.val_accuracy is not None and record.val_accuracy < STUCK_BELOW:
        found.append(Cause("chance", BADGES["chance"],
                           N_("Stuck at chance: {accuracy:.1f}% on validation images, where guessing scores 10%. "
                              "The network learned (almost) nothing: try a larger learning rate, another "
                              "initialisation, or check the loss and output pair."),
                           {"accuracy": 100 * record.val_accuracy}))
    activation = record.config.activation
    if activation == "relu" and record.dead_fraction >= DEAD_AT_LEAST:
        found.append(Cause("dead", BADGES["dead"],
                           N_("Dead ReLUs: {share:.0f}% of the units of a hidden layer were 0 for every one of 256 "
                              "validation images at the end, so they pass no gradient and no longer learn. A "
                              "smaller learning rate or He initialisation keeps more of them alive."),
                           {"share": 100 * record.dead_fraction}))
    if activation in ("sigmoid", "tanh") and record.saturated_fraction >= SATURATED_AT_LEAST:
        found.append(Cause("saturated", BADGES["saturated"],
                           N_("Saturated {activation} units: {share:.0f}% of a hidden layer's activations sit in the "
                              "flat tails, where the slope is almost 0 and learning crawls. Smaller initial "
                              "weights (Xavier, or a smaller init scale) or scaled inputs help."),
                           {"share": 100 * record.saturated_fraction, "activation": activation}))
    if (record.train_accuracy is not None and record.val_accuracy is not None
            and record.train_accuracy - record.val_accuracy >= OVERFIT_GAP):
        found.append(Cause("overfit", BADGES["overfit"],
                           N_("Overfitting: {train:.1f}% on training images but {val:.1f}% on validation images, a "
                              "gap of {gap:.1f} points. It learned its training images by heart: more images, "
                              "L2, or fewer epochs narrow the gap."),
                           {"train": 100 * record.train_accuracy, "val": 100 * record.val_accuracy,
                            "gap": 100 * (record.train_accuracy - record.val_accuracy)}))
    return found


def cell_causes(records: Sequence[SweepRecord]) -> list[Cause]:
    """The causes found in any of a cell's runs, each with how many of its finished seeds show it.

    The sentence is that of the worst run (the largest share, gap, or the first diverged run).
    """
    finished = [r for r in records if r.status in FINISHED_WITH_NUMBERS]
    by_code: dict[str, list[Cause]] = defaultdict(list)
    for record in finished:
        for cause in causes_of(record):
            by_code[cause.code].append(cause)
    result = []
    for code in CAUSE_ORDER:
        found = by_code.get(code)
        if not found:
            continue
        worst = max(found, key=lambda c: c.values.get("share", c.values.get("gap", -c.values.get("accuracy", 0))))
        result.append(Cause(code, worst.badge, worst.template, worst.values, (len(found), len(finished))))
    return result


# --- cells ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One point of a sweep and its runs (one per seed).

    Attributes
    ----------
    point : the varied settings' values.
    records : the point's runs, by seed.
    status : 'queued', 'running', 'done', 'diverged', 'stopped', 'failed' or 'cancelled' (see :func:`cell_status`).
    scores : the finished runs' validation accuracies in [0, 1] (diverged runs count as chance).
    mean : mean of ``scores``, None before the first finishes.
    spread : standard deviation of ``scores`` over seeds (ddof=1), None with fewer than two.
    causes : failure causes (:func:`cell_causes`).
    loss : (k,) the first finished seed's loss, thinned, for a sparkline (empty before).
    """

    point: dict[str, Any]
    records: tuple[SweepRecord, ...]
    status: str
    scores: tuple[float, ...]
    mean: float | None
    spread: float | None
    causes: tuple[Cause, ...] = ()
    loss: np.ndarray = field(default_factory=lambda: np.empty(0))

    def values(self, names: Sequence[str]) -> tuple:
        return tuple(self.point[name] for name in names)

    @property
    def finished(self) -> bool:
        return self.status not in ("queued", "running")


def cell_status(records: Sequence[SweepRecord]) -> str:
    """One status for a point's runs: running while any runs (or some wait after others ended), else
    queued while all wait; once all ended: diverged if any diverged, failed, stopped, cancelled if all
    were, else done."""
    statuses = [r.status for r in records]
    if "running" in statuses or ("queued" in statuses and any(r.finished for r in records)):
        return "running"
    if "queued" in statuses:
        return "queued"
    for status in ("diverged", "failed", "stopped"):
        if status in statuses:
            return status
    if all(status == "cancelled" for status in statuses):
        return "cancelled"
    return "done"


def cells(records: Sequence[SweepRecord], names: Sequence[str]) -> list[Cell]:
    """The sweep's points in the order they were planned, each with its runs summed up."""
    groups: dict[tuple, list[SweepRecord]] = {}
    for record in records:
        groups.setdefault(tuple(record.point[name] for name in names), []).append(record)
    found = []
    for group in groups.values():
        scores = tuple(s for s in (score(r) for r in group) if s is not None)
        sparkline = next((r.loss for r in group if r.finished and len(r.loss)), np.empty(0))
        found.append(Cell(dict(group[0].point), tuple(group), cell_status(group), scores,
                          float(np.mean(scores)) if scores else None,
                          float(np.std(scores, ddof=1)) if len(scores) > 1 else None,
                          tuple(cell_causes(group)), sparkline))
    return found


def seed_noise(records: Sequence[SweepRecord], names: Sequence[str]) -> float | None:
    """How much the seed alone moves a result: the median |difference| between two seeds of one point.

    Only runs that finished without diverging count (a diverged seed is a failure, not noise).
    None when no point has two such seeds.
    """
    differences = []
    for cell in cells(records, names):
        values = [r.val_accuracy for r in cell.records
                  if r.status in ("done", "stopped") and r.val_accuracy is not None]
        differences += [abs(a - b) for i, a in enumerate(values) for b in values[i + 1:]]
    return float(np.median(differences)) if differences else None


# --- matched pairs --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Duel:
    """Value ``first`` against ``second`` of one setting, over the matched pairs of runs.

    ``wins`` counts pairs where ``first`` scored higher, ``losses`` lower, ``ties`` the same;
    ``median_gain`` is the median of (first − second) in accuracy (a fraction);
    ``p_value`` the two-sided sign test: how often a fair coin would give a split this lopsided.
    """

    name: str
    first: Any
    second: Any
    wins: int
    losses: int
    ties: int
    median_gain: float
    p_value: float

    @property
    def pairs(self) -> int:
        return self.wins + self.losses + self.ties


def matched_pairs(records: Sequence[SweepRecord], names: Sequence[str], name: str, first: Any,
                  second: Any) -> list[tuple[SweepRecord, SweepRecord]]:
    """Pairs (run with ``name = first``, run with ``name = second``) that agree on every other varied
    setting and on the seed, both with a score."""
    others = [other for other in names if other != name]
    seconds = {}
    for record in records:
        if record.point[name] == second and score(record) is not None:
            seconds[(record.replicate, tuple(record.point[o] for o in others))] = record
    pairs = []
    for record in records:
        if record.point[name] == first and score(record) is not None:
            match = seconds.get((record.replicate, tuple(record.point[o] for o in others)))
            if match is not None:
                pairs.append((record, match))
    return pairs


def sign_test(wins: int, losses: int) -> float:
    """Two-sided sign test: P(a split at least this lopsided | both values equally good); ties dropped."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def duel(records: Sequence[SweepRecord], names: Sequence[str], name: str, first: Any, second: Any) -> Duel | None:
    """``first`` against ``second`` over their matched pairs, or None when there are none."""
    pairs = matched_pairs(records, names, name, first, second)
    if not pairs:
        return None
    gains = np.array([score(a) - score(b) for a, b in pairs])
    wins, losses = int(np.sum(gains > 0)), int(np.sum(gains < 0))
    return Duel(name, first, second, wins, losses, len(gains) - wins - losses, float(np.median(gains)),
                sign_test(wins, losses))


def value_means(records: Sequence[SweepRecord], name: str) -> dict[Any, float]:
    """Mean score of every value of setting ``name`` over all runs that have one."""
    scores: dict[Any, list[float]] = defaultdict(list)
    for record in records:
        s = score(record)
        if s is not None:
            scores[record.point[name]].append(s)
    return {value: float(np.mean(values)) for value, values in scores.items()}


# --- why it wins ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """What the sweep says about one varied setting.

    ``best`` is the value with the highest mean score; ``duels`` are ``best`` against every other
    value (closest rival first); ``kind`` is one of :func:`verdict_kind`'s answers, or 'single'
    (one value measured);
    ``sentences`` say it in words.
    """

    name: str
    best: Any
    duels: tuple[Duel, ...]
    kind: str
    sentences: tuple[Sentence, ...]
    importance: float | None = None


def verdict_kind(headline: Duel | None, noise: float | None) -> str:
    """How far to trust the best value's lead over its closest rival.

    'none' without matched pairs; 'unknown' without a noise measurement (one seed per point);
    'noise' when the median gain is within the seed noise; otherwise, when the best value wins at
    least :data:`CLEAR_WIN_SHARE` of the decided duels, 'real' if the sign test's p-value is at most
    :data:`SIGNIFICANT` and 'likely' if not (too few duels to rule out a coin); 'mixed' otherwise.
    """
    if headline is None:
        return "none"
    if noise is None:
        return "unknown"
    if abs(headline.median_gain) <= noise:
        return "noise"
    decided = headline.wins + headline.losses
    if not decided or headline.wins < CLEAR_WIN_SHARE * decided:
        return "mixed"
    return "real" if headline.p_value <= SIGNIFICANT else "likely"


KIND_SENTENCES = {
    "real": N_("That is more than seed-to-seed luck, and a fair coin would split {decided} duels this lopsidedly "
               "only {p:.1%} of the time: a real difference."),
    "likely": N_("That is more than seed-to-seed luck, but a fair coin would split {decided} duels this lopsidedly "
                 "{p:.0%} of the time: probably real; more seeds would tell."),
    "noise": N_("That is no more than the seed-to-seed spread: it may be luck."),
    "mixed": N_("It wins some duels and loses others: which is better depends on the other settings."),
    "unknown": N_("With one seed per point we cannot tell this from luck: run 2 or more seeds per point."),
}


def noise_sentence(records: Sequence[SweepRecord], names: Sequence[str]) -> Sentence | None:
    """'Seeds of one point differ by 0.4 points (median): …', or None with one seed per point."""
    noise = seed_noise(records, names)
    if noise is None:
        return None
    return (N_("Seeds of one point differ by {noise:.1f} points (median): a win smaller than that may be luck."),
            {"noise": 100 * noise})


def why_it_wins(records: Sequence[SweepRecord], names: Sequence[str],
                importances: dict[str, float] | None = None) -> list[Verdict]:
    """One :class:`Verdict` per varied setting (see the module docstring)."""
    noise = seed_noise(records, names)
    verdicts = []
    for name in names:
        means = value_means(records, name)
        setting = setting_label(name)
        importance = None if importances is None else importances.get(name)
        if len(means) < 2:
            verdicts.append(Verdict(name, next(iter(means), None), (), "single", (
                (N_("{setting}: only one value has finished runs so far."), {"setting": setting}),), importance))
            continue
        ranked = sorted(means, key=means.get, reverse=True)
        best = ranked[0]
        duels = tuple(d for d in (duel(records, names, name, best, other) for other in ranked[1:]) if d is not None)
        headline = duels[0] if duels else None
        kind = verdict_kind(headline, noise)
        sentences: list[Sentence] = []
        if headline is None:
            sentences.append((N_("{setting}: no two runs differ in this setting alone, so there is no fair duel "
                                 "to count (random and TPE sweeps rarely vary one setting by itself; a grid does). "
                                 "Best mean: {best} with {accuracy:.1f}%."),
                              {"setting": setting, "best": shown(best), "accuracy": 100 * means[best]}))
        else:
            values = {"setting": setting, "best": shown(best), "other": shown(headline.second), "wins": headline.wins,
                      "pairs": headline.pairs, "ties": headline.ties, "gain": 100 * headline.median_gain}
            sentences.append((N_("{setting} {best} beat {other} in {wins} of {pairs} matched pairs, median "
                                 "{gain:+.1f} points.") if not headline.ties else
                              N_("{setting} {best} beat {other} in {wins} of {pairs} matched pairs ({ties} tied), "
                                 "median {gain:+.1f} points."), values))
            for other in duels[1:]:
                sentences.append((N_("Against {other}: won {wins} of {pairs}, median {gain:+.1f} points."),
                                  {"other": shown(other.second), "wins": other.wins, "pairs": other.pairs,
                                   "gain": 100 * other.median_gain}))
            sentences.append((KIND_SENTENCES[kind], {"decided": headline.wins + headline.losses,
                                                     "p": headline.p_value} if kind in ("real", "likely") else {}))
        if importance is not None:
            sentences.append((N_("Optuna's importance: {share:.0%} of the variation in accuracy."),
                              {"share": importance}))
        verdicts.append(Verdict(name, best, duels, kind, tuple(sentences), importance))
    return verdicts


def best_cell(found: Sequence[Cell]) -> Cell | None:
    """The finished cell with the highest mean score."""
    scored = [cell for cell in found if cell.mean is not None and cell.finished]
    return max(scored, key=lambda cell: cell.mean) if scored else None


# --- Optuna's importance --------------------------------------------------------------------------

def importance(records: Sequence[SweepRecord], axes: Sequence[Axis]) -> dict[str, float] | None:
    """Optuna's parameter importance of each varied setting, from every scored run.

    Each run becomes a completed trial (``optuna.trial.create_trial``) of an in-memory study
    (``study.add_trials``), read by PED-ANOVA (Optuna's default evaluator) with the group of best
    runs sized by :func:`target_quantile`; numeric settings get a numeric distribution spanning their values (log
    when the axis is), choices a categorical one. None with fewer than two varied settings (one
    setting explains everything by definition), fewer than four scored runs, or when Optuna cannot
    tell (e.g. every run scored the same).
    """
    scored = [(record, score(record)) for record in records if score(record) is not None]
    if len(axes) < 2 or len(scored) < 4:
        return None
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {axis.name: _distribution(optuna, axis, [r.point[axis.name] for r, _ in scored]) for axis in axes}
    try:
        trials = [optuna.trial.create_trial(params={axis.name: record.point[axis.name] for axis in axes},
                                            distributions=distributions, value=value) for record, value in scored]
        study = optuna.create_study(direction="maximize")
        study.add_trials(trials)
        evaluator = optuna.importance.PedAnovaImportanceEvaluator(target_quantile=target_quantile(len(trials)))
        found = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError, ZeroDivisionError) as error:
        log.info("no importance for this sweep: %s", error)
        return None
    values = {name: float(found.get(name, 0.0)) for name in (axis.name for axis in axes)}
    if not all(math.isfinite(v) for v in values.values()) or sum(values.values()) <= 0:
        return None
    return values


def target_quantile(runs: int) -> float:
    """The share of best runs PED-ANOVA compares with all runs: its default 10%, widened to at least
    :data:`TOP_RUNS` runs (at most half) on small sweeps.

    With the default, a 12-run sweep's 'best 10%' is one run, and every setting of that one run
    looks important; on a 2×2 grid with 3 seeds that made the learning rate (a 0.2-point effect)
    outrank the activation (a 5-point effect) 99 to 1.
    """
    return min(0.5, max(0.1, (TOP_RUNS + 0.5) / runs))


def _distribution(optuna, axis: Axis, seen: list):
    if axis.kind == "choice":
        return optuna.distributions.CategoricalDistribution(tuple(dict.fromkeys(axis.values or seen)))
    values = list(axis.values) + seen if axis.values else [axis.low, axis.high, *seen]
    low, high = min(values), max(values)
    if low == high:
        return optuna.distributions.CategoricalDistribution((low,))
    if axis.kind == "int":
        return optuna.distributions.IntDistribution(int(low), int(high), log=axis.log and low >= 1)
    return optuna.distributions.FloatDistribution(float(low), float(high), log=axis.log and low > 0)
