"""Paired, hierarchical comparison of policies: means, differences and their intervals.

The course compares recommenders the way a careful experimenter would. Every policy is run on the
SAME evaluation viewers (common random numbers), so its per-viewer values form a ``(seeds,
viewers)`` array: one row per training seed (a deterministic or untrained policy has one row),
one column per viewer, the columns aligned across policies. Two sources of chance then matter:

- **training seeds**: another seed trains another network; a learned policy's value varies with
  it, and 5 seeds are few;
- **viewers**: another population of viewers gives another mean; the same viewer appears under
  every seed and every policy, so viewers are *not* ``seeds x viewers`` independent draws.

:func:`bootstrap_replicates` resamples both, in two stages (a hierarchical bootstrap, as
Saravanan, Berman & Sober 2020 recommend for nested data): for each replicate it draws seeds with
replacement (independently for each policy, or shared when the seeds share their randomness),
then ONE draw of viewers with replacement that every seed and every policy uses, which keeps the
pairing. A difference of two policies' replicates is then a replicate of the paired difference,
whose interval is far narrower than either mean's because the viewer-to-viewer variation cancels.

Few seeds: the plain bootstrap of ``S`` values has ``(S - 1) / S`` of the right variance (0.8
with 5 seeds), and even with the right variance its normal-like quantiles are too narrow for a
mean of 5 values (Student's t with 4 degrees of freedom: 2.78 instead of 1.96). Before
resampling, ``seed_correction`` rescales each seed's deviation from the seed mean (per viewer):
``"variance"`` by ``sqrt(S / (S - 1))``; ``"t"`` (the default) also by ``t_{S-1} / z`` at the
interval's level, so that when the seed variance dominates the interval becomes the t-interval
of the seed means, and when the viewers dominate it errs a little on the wide side. Measured
coverage of 95% intervals, 5-10 seeds x 300 viewers (``benchmarks/results/stats_coverage.md``):
pooled i.i.d. 0.23-0.65; two-stage with ``"t"`` 0.94-0.98, with ``"none"`` 0.85-0.95.

When no policy involved has more than one seed the bootstrap has one level, and
:func:`scipy.stats.bootstrap` (``paired=True`` for a difference) does it.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> viewers = rng.normal(5.0, 2.0, 300)                     # each viewer's own level
>>> scores = {"dqn": viewers + 0.3 + rng.normal(0, 0.1, (5, 1)) + rng.normal(0, 0.5, (5, 300)),
...           "heuristic": viewers + rng.normal(0, 0.5, 300)}
>>> table = compare_policies(scores, reference="dqn", n_resamples=500)
>>> list(table.columns)[:7]
['policy', 'mean_return', 'ci_low', 'ci_high', 'diff_vs_dqn', 'diff_low', 'diff_high']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CORRECTIONS",
    "as_scores",
    "resample_counts",
    "bootstrap_replicates",
    "mean_interval",
    "paired_difference",
    "compare_policies",
    "overlap_vs_paired",
]

RngLike = int | np.random.Generator | None


def as_scores(values: Any, name: str = "scores") -> np.ndarray:
    """Check and shape one policy's per-viewer values as ``(seeds, viewers)`` float64.

    Args:
        values: ``(viewers,)`` (one seed) or ``(seeds, viewers)`` finite numbers.
        name: the policy's name, used in error messages.

    Raises:
        ValueError: wrong number of dimensions, fewer than 2 viewers, no seed, NaN or inf.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be (viewers,) or (seeds, viewers): one value per viewer and training "
            f"seed; got shape {x.shape}"
        )
    if x.shape[0] < 1 or x.shape[1] < 2:
        raise ValueError(
            f"{name} needs at least 1 seed and 2 viewers for an interval, got shape {x.shape}"
        )
    if not np.isfinite(x).all():
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(
            f"{name} holds a non-finite value (NaN or inf) at seed {bad[0]}, viewer {bad[1]}: "
            "every viewer must have a value (did a run fail or a viewer leave no record?)"
        )
    return x


def _rng(rng: RngLike) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def resample_counts(n: int, n_resamples: int, rng: RngLike = 0) -> np.ndarray:
    """How often each of ``n`` units is drawn in each bootstrap resample, ``(n_resamples, n)``.

    A resample draws ``n`` units with replacement; the mean of a resample is
    ``counts @ values / n``, so counts replace index arrays without a loop over resamples.

    Args:
        n: number of units (seeds, viewers or clusters), >= 1.
        n_resamples: number of resamples, >= 1.
        rng: seed or generator.

    Returns:
        ``(n_resamples, n)`` float64 counts; every row sums to ``n``.
    """
    if n < 1 or n_resamples < 1:
        raise ValueError(f"n and n_resamples must be >= 1, got {n} and {n_resamples}")
    dtype = np.int32 if n * n_resamples < 2**31 else np.int64
    flat = _rng(rng).integers(0, n, size=(n_resamples, n), dtype=dtype)
    flat += (n * np.arange(n_resamples, dtype=dtype))[:, None]  # row b counts in [b n, b n + n)
    counts = np.bincount(flat.ravel(), minlength=n * n_resamples)
    return counts.reshape(n_resamples, n).astype(np.float64)


CORRECTIONS = ("t", "variance", "none")
"""The ways :func:`bootstrap_replicates` can rescale seed deviations for few seeds."""


def _corrected(x: np.ndarray, seed_correction: str, level: float) -> np.ndarray:
    """Seeds' deviations from their per-viewer mean rescaled for few seeds (module notes)."""
    if seed_correction not in CORRECTIONS:
        raise ValueError(f"seed_correction must be one of {CORRECTIONS}, got {seed_correction!r}")
    s = x.shape[0]
    if seed_correction == "none" or s < 2:
        return x
    factor = np.sqrt(s / (s - 1.0))
    if seed_correction == "t":
        from scipy import stats

        q = (1.0 + level) / 2.0
        factor *= stats.t.ppf(q, s - 1) / stats.norm.ppf(q)
    centre = x.mean(axis=0, keepdims=True)
    return centre + factor * (x - centre)


def bootstrap_replicates(
    scores: Mapping[str, Any],
    n_resamples: int = 2_000,
    shared_seeds: bool = False,
    seed_correction: str = "t",
    level: float = 0.95,
    rng: RngLike = 0,
) -> dict[str, np.ndarray]:
    """Two-stage bootstrap replicates of every policy's mean, paired by viewer.

    Each replicate draws the viewers once (shared by all policies and seeds) and, per policy,
    its seeds (a one-seed policy keeps its seed). The replicate mean of a policy is
    ``seed_counts . (x @ viewer_counts) / (S * V)``: no Python loop over replicates.

    Args:
        scores: policy name -> ``(seeds, viewers)`` or ``(viewers,)`` values, the same viewers
            (columns) for every policy.
        n_resamples: bootstrap replicates, >= 100.
        shared_seeds: True when seed ``i`` of every policy shares its randomness (same data
            split, same simulator stream): then one seed draw serves all multi-seed policies,
            which must have the same number of seeds. False: each policy's seeds independently.
        seed_correction: ``"t"``, ``"variance"`` or ``"none"``: how seed deviations are
            rescaled before resampling when a policy has several seeds (see module notes).
        level: the level of the intervals the replicates are for (used by ``"t"``).
        rng: seed or generator of the resampling.

    Returns:
        name -> ``(n_resamples,)`` float64 replicate means. Differences of two entries are
        replicates of the paired difference.

    Raises:
        ValueError: no policy, bad shapes, different viewer counts, NaN, or unequal seed counts
            with ``shared_seeds=True``.
    """
    xs = _check_all(scores)
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be >= 100 for a usable interval, got {n_resamples}")
    gen = _rng(rng)
    n_viewers = next(iter(xs.values())).shape[1]
    viewer_counts = resample_counts(n_viewers, n_resamples, gen)
    seed_sizes = {x.shape[0] for x in xs.values() if x.shape[0] > 1}
    if shared_seeds and len(seed_sizes) > 1:
        raise ValueError(
            "shared_seeds=True needs the same number of seeds in every multi-seed policy, got "
            f"{ {k: x.shape[0] for k, x in xs.items()} }"
        )
    shared = {s: resample_counts(s, n_resamples, gen) for s in seed_sizes} if shared_seeds else {}
    out = {}
    for name, x in xs.items():
        s = x.shape[0]
        if s == 1:
            seed_counts = np.ones((n_resamples, 1))
        else:
            seed_counts = shared[s] if shared_seeds else resample_counts(s, n_resamples, gen)
        per_seed = _corrected(x, seed_correction, _level(level)) @ viewer_counts.T  # (S, B)
        out[name] = np.einsum("bs,sb->b", seed_counts, per_seed) / (s * n_viewers)
    return out


def _check_all(scores: Mapping[str, Any]) -> dict[str, np.ndarray]:
    if not isinstance(scores, Mapping) or not scores:
        raise TypeError("scores must be a non-empty dict of policy name -> (seeds, viewers) values")
    xs = {str(k): as_scores(v, str(k)) for k, v in scores.items()}
    widths = {k: x.shape[1] for k, x in xs.items()}
    if len(set(widths.values())) > 1:
        raise ValueError(
            f"every policy must be evaluated on the same viewers (same number of columns), got "
            f"{widths}: pass the per-viewer values of one shared viewer population"
        )
    return xs


def _level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level!r}")
    return float(level)


def _percentile(reps: np.ndarray, level: float) -> tuple[float, float]:
    low, high = np.quantile(reps, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(low), float(high)


def _scipy_interval(data: tuple[np.ndarray, ...], n_resamples: int, level: float,
                    method: str, rng: RngLike) -> tuple[float, float]:  # fmt: skip
    from scipy import stats

    def statistic(*arrays: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.mean(arrays[0] - arrays[1] if len(arrays) == 2 else arrays[0], axis=axis)

    res = stats.bootstrap(data, statistic, n_resamples=n_resamples, paired=len(data) == 2,
                          confidence_level=level, method=method, rng=_rng(rng))  # fmt: skip
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def mean_interval(
    values: Any,
    n_resamples: int = 2_000,
    level: float = 0.95,
    method: str = "percentile",
    seed_correction: str = "t",
    rng: RngLike = 0,
) -> tuple[float, float, float]:
    """One policy's mean value and its bootstrap interval (seeds, then viewers).

    Args:
        values: ``(seeds, viewers)`` or ``(viewers,)`` per-viewer values.
        n_resamples: bootstrap replicates, >= 100.
        level: coverage in (0, 1).
        method: ``"percentile"``; with a single seed also ``"BCa"`` or ``"basic"``
            (:func:`scipy.stats.bootstrap`).
        seed_correction: see :func:`bootstrap_replicates`.
        rng: seed or generator.

    Returns:
        ``(mean, low, high)`` floats.
    """
    x, level = as_scores(values, "values"), _level(level)
    if x.shape[0] == 1:
        return (float(x.mean()), *_scipy_interval((x[0],), n_resamples, level, method, rng))
    _two_stage_method(method)
    reps = bootstrap_replicates({"x": x}, n_resamples, False, seed_correction, level, rng)
    return (float(x.mean()), *_percentile(reps["x"], level))


def _two_stage_method(method: str) -> None:
    if method != "percentile":
        raise ValueError(
            f"method {method!r} needs a single level of resampling; with several training "
            "seeds only 'percentile' is available"
        )


def paired_difference(
    a: Any,
    b: Any,
    n_resamples: int = 2_000,
    level: float = 0.95,
    shared_seeds: bool = False,
    method: str = "percentile",
    seed_correction: str = "t",
    rng: RngLike = 0,
) -> tuple[float, float, float]:
    """Mean of ``a - b`` over the same viewers, with its paired bootstrap interval.

    Args:
        a: ``(seeds_a, viewers)`` or ``(viewers,)`` values of policy A.
        b: ``(seeds_b, viewers)`` or ``(viewers,)`` values of policy B, same viewers.
        n_resamples: bootstrap replicates, >= 100.
        level: coverage in (0, 1).
        shared_seeds: seed ``i`` of A and of B share their randomness (needs equal seed counts).
        method: ``"percentile"``; when both have one seed also ``"BCa"`` or ``"basic"``.
        seed_correction: see :func:`bootstrap_replicates`.
        rng: seed or generator.

    Returns:
        ``(difference, low, high)``: ``mean(a) - mean(b)`` and its interval.
    """
    xs, level = _check_all({"a": a, "b": b}), _level(level)
    diff = float(xs["a"].mean() - xs["b"].mean())
    if xs["a"].shape[0] == xs["b"].shape[0] == 1:
        return (diff, *_scipy_interval((xs["a"][0], xs["b"][0]), n_resamples, level, method, rng))
    _two_stage_method(method)
    reps = bootstrap_replicates(xs, n_resamples, shared_seeds, seed_correction, level, rng)
    return (diff, *_percentile(reps["a"] - reps["b"], level))


def compare_policies(
    scores: Mapping[str, Any],
    reference: str,
    n_resamples: int = 2_000,
    level: float = 0.95,
    shared_seeds: bool = False,
    seed_correction: str = "t",
    value_name: str = "return",
    rng: RngLike = 0,
) -> pd.DataFrame:
    """The comparison table: each policy's mean with its interval and its paired difference.

    All intervals are percentile intervals of one set of two-stage replicates
    (:func:`bootstrap_replicates`), so every difference is paired by viewer.

    Args:
        scores: policy name -> ``(seeds, viewers)`` or ``(viewers,)`` values (same viewers).
        reference: the policy every other is compared with (e.g. ``"dqn"``).
        n_resamples: bootstrap replicates, >= 100.
        level: coverage in (0, 1).
        shared_seeds: see :func:`bootstrap_replicates`.
        seed_correction: see :func:`bootstrap_replicates`.
        value_name: names the mean column ``mean_<value_name>``.
        rng: seed or generator.

    Returns:
        One row per policy, in the order given: ``policy``, ``mean_<value_name>``, ``ci_low``,
        ``ci_high``, ``diff_vs_<reference>`` (policy minus reference), ``diff_low``,
        ``diff_high`` (0, 0, 0 for the reference itself), ``seeds``, ``viewers``.
    """
    level = _level(level)
    xs = _check_all(scores)
    if reference not in xs:
        raise ValueError(f"reference must be one of the policies {list(xs)}, got {reference!r}")
    reps = bootstrap_replicates(xs, n_resamples, shared_seeds, seed_correction, level, rng)
    rows = []
    for name, x in xs.items():
        d = reps[name] - reps[reference]
        diff_low, diff_high = (0.0, 0.0) if name == reference else _percentile(d, level)
        rows.append({
            "policy": name, f"mean_{value_name}": float(x.mean()),
            **dict(zip(("ci_low", "ci_high"), _percentile(reps[name], level), strict=True)),
            f"diff_vs_{reference}": float(x.mean() - xs[reference].mean()),
            "diff_low": diff_low, "diff_high": diff_high,
            "seeds": x.shape[0], "viewers": x.shape[1],
        })  # fmt: skip
    return pd.DataFrame(rows)


def overlap_vs_paired(
    a: Any,
    b: Any,
    names: tuple[str, str] = ("A", "B"),
    n_resamples: int = 2_000,
    level: float = 0.95,
    shared_seeds: bool = False,
    rng: RngLike = 0,
) -> pd.Series:
    """Two verdicts on the same data: "do the intervals overlap?" and the paired interval.

    Overlapping intervals do not mean "no difference": each mean's interval carries the spread
    between viewers, which cancels in a paired difference. Lessons 07-08 show both verdicts.

    Returns:
        A series: ``mean_<A>``, ``low_<A>``, ``high_<A>``, the same for B, ``intervals_overlap``
        (bool), ``diff`` (A - B), ``diff_low``, ``diff_high``, ``paired_excludes_zero`` (bool)
        and ``verdict`` (one sentence).
    """
    table = compare_policies({names[0]: a, names[1]: b}, names[1], n_resamples, level,
                             shared_seeds, rng=rng).set_index("policy")  # fmt: skip
    ra, rb = table.loc[names[0]], table.loc[names[1]]
    overlap = bool(ra["ci_low"] <= rb["ci_high"] and rb["ci_low"] <= ra["ci_high"])
    diff, low, high = ra[f"diff_vs_{names[1]}"], ra["diff_low"], ra["diff_high"]
    excludes = bool(low > 0 or high < 0)
    verdict = (
        f"the {level:.0%} intervals of the means {'overlap' if overlap else 'do not overlap'}; "
        f"the paired {level:.0%} interval of {names[0]} - {names[1]}, [{low:.3g}, {high:.3g}], "
        f"{'excludes' if excludes else 'contains'} 0"
    )
    out = {}
    for n, r in ((names[0], ra), (names[1], rb)):
        out.update({f"mean_{n}": r["mean_return"], f"low_{n}": r["ci_low"],
                    f"high_{n}": r["ci_high"]})  # fmt: skip
    out.update(intervals_overlap=overlap, diff=diff, diff_low=low, diff_high=high,
               paired_excludes_zero=excludes, verdict=verdict)  # fmt: skip
    return pd.Series(out)
