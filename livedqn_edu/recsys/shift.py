"""What one-step off-policy evaluation estimates, and what deploying a policy changes.

A bandit estimator (IPS, SNIPS, DR, the direct method) evaluates a target policy on the *logged*
states: ``V_mu(pi) = E_{x ~ d_mu} [sum_a pi(a | x) r(x, a)]``, the value of one recommendation
in the states the logging policy ``mu`` led its viewers into. Deployed, the target leads viewers
into *its own* states ``d_pi``: a recommender that always shows followed rooms has used them up
a few steps into a session (the feed never repeats a room within a session), a random one leaves
them there. The deployed value per impression is ``E_{x ~ d_pi}[r(x, pi(x))]``, and a week's value
also counts how many impressions the viewer asks for.

- :func:`state_profile`: the state of every impression of a log (logged or deployed, from
  :func:`~livedqn_edu.recsys.offpolicy.collect_logs` / ``rollout_logs``) in a few readable
  quantities (followed rooms in the slate, session step, hour, the shown room's fatigue...);
- :func:`shift_table`: their means side by side, one column per log;
- :func:`one_step_vs_deployed`: per policy, the true one-step value on the logged states, an
  off-policy estimate of it with a viewer-clustered interval, and the deployed value per
  impression and per viewer-week;
- :func:`reweighted_value`: the one-step value on the logged states re-weighted to the deployed
  mix of a few state strata, which shows how much of the gap those strata explain.

Each policy's return per viewer-week on a named population, paired across policies, comes from
:func:`livedqn_edu.recsys.evaluation.per_viewer_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from livedqn_edu.envs.features import FeatureSpec, feature_spec
from livedqn_edu.recsys.offpolicy import BanditLogs
from livedqn_edu.recsys.ope import cluster_bootstrap_ratio, ope_estimates
from livedqn_edu.recsys.policies import policy_probabilities

__all__ = [
    "PROFILE",
    "state_profile",
    "shift_table",
    "one_step_values",
    "one_step_vs_deployed",
    "strata",
    "reweighted_value",
]

PROFILE: dict[str, str] = {
    "followed_live": "followed rooms among the live candidates of the slate",
    "any_followed": "share of states with at least one followed room in the slate",
    "shown_followed": "share of impressions of a followed room",
    "shown_past_minutes": "log(1 + minutes the viewer watched the shown room before)",
    "shown_fatigue": "recent ignored impressions of the shown room (fatigue)",
    "session_step": "recommendations already shown in this session",
    "hour": "hour of the day of the impression",
    "day": "day of the week (0 = Monday's start, 7 = the week's end)",
    "n_valid": "live candidates in the slate",
    "value": "expected reward of the shown room (0.1 x expected watch minutes)",
}
"""The columns of :func:`state_profile` and what each means."""


def _raw(spec: FeatureSpec, obs: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A column in its raw unit (the spec stores ``raw / scale``)."""
    part = "candidates" if name in spec.names("candidates") else "user"
    return spec.column(obs, name) * spec.table(part)[spec.index(part, name)].scale


def state_profile(logs: BanditLogs, spec: FeatureSpec | None = None) -> pd.DataFrame:
    """The state of every impression in the quantities of :data:`PROFILE`.

    Args:
        logs: logged or deployed impressions (``obs``, ``actions``, ``expected``).
        spec: the world's feature spec (default: the default world's).

    Returns:
        One row per impression: ``viewer`` and the columns of :data:`PROFILE`.
    """
    spec = spec or feature_spec()
    obs, rows, a = logs.obs, np.arange(len(logs)), logs.actions
    mask = np.asarray(obs["mask"], bool)
    followed = _raw(spec, obs, "followed") * mask
    angle = np.arctan2(_raw(spec, obs, "hour_sin"), _raw(spec, obs, "hour_cos"))
    return pd.DataFrame({
        "viewer": logs.viewers,
        "followed_live": followed.sum(axis=1),
        "any_followed": (followed.sum(axis=1) > 0).astype(np.float64),
        "shown_followed": followed[rows, a],
        "shown_past_minutes": _raw(spec, obs, "log_past_minutes")[rows, a],
        "shown_fatigue": _raw(spec, obs, "recent_impressions")[rows, a],
        "session_step": _raw(spec, obs, "session_steps"),
        "hour": (angle / (2 * np.pi) * 24.0) % 24.0,
        "day": _raw(spec, obs, "horizon_elapsed") / 1440.0,
        "n_valid": mask.sum(axis=1).astype(np.float64),
        "value": logs.expected[rows, a],
    })  # fmt: skip


def shift_table(profiles: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Means of each :data:`PROFILE` quantity, one column per log (e.g. ``logged``, a policy)."""
    if not profiles:
        raise ValueError("profiles must hold at least one state_profile table")
    table = pd.DataFrame({name: p[list(PROFILE)].mean() for name, p in profiles.items()})
    table.index.name = "state"
    return table


def one_step_values(policy: Any, logs: BanditLogs) -> np.ndarray:
    """``sum_a pi(a | x_i) E[r | x_i, a]`` on each logged state: the truth one-step OPE aims at."""
    if hasattr(policy, "reset"):
        policy.reset(0)
    return (policy_probabilities(policy, logs.obs) * logs.expected).sum(axis=1)


def _per_impression(logs: BanditLogs, n_resamples: int, level: float, rng: int) -> tuple:
    """Mean expected reward per impression and its viewer-clustered interval."""
    value = logs.expected[np.arange(len(logs)), logs.actions]
    reps = cluster_bootstrap_ratio(value, np.ones_like(value), logs.viewers, n_resamples, rng)
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return float(value.mean()), float(low), float(high)


def one_step_vs_deployed(
    policies: Mapping[str, Any],
    logs: BanditLogs,
    deployed: Mapping[str, BanditLogs],
    n_resamples: int = 500,
    level: float = 0.95,
    rng: int = 0,
) -> pd.DataFrame:
    """The one-step value on logged states (true and estimated) beside the deployed value.

    Args:
        policies: name -> policy (the targets).
        logs: the logging policy's impressions (with ``expected``: only a simulator has it).
        deployed: name -> the impressions of that policy deployed
            (:func:`~livedqn_edu.recsys.offpolicy.rollout_logs`), on the logs' viewers or a
            matched population.
        n_resamples: bootstrap replicates of the viewers.
        level: coverage of the intervals.
        rng: seed of the bootstraps (every policy gets the same viewer draws).

    Returns:
        One row per policy: ``one_step_true`` (value per impression on the logged states),
        ``snips`` with ``snips_low`` / ``snips_high`` (its off-policy estimate), ``deployed``
        with ``deployed_low`` / ``deployed_high`` (expected reward per impression in the
        states the policy itself visits), ``ratio`` (one_step_true / deployed),
        ``impressions`` (per viewer-week, deployed; the logs' own figure is in ``attrs``) and
        ``weekly_return`` (mean realised return per viewer-week, deployed).
    """
    rows = np.arange(len(logs))
    out = []
    for name, policy in policies.items():
        if name not in deployed:
            raise ValueError(f"no deployed log for policy {name!r}: pass deployed[{name!r}]")
        truth = one_step_values(policy, logs)
        pi = policy_probabilities(policy, logs.obs)[rows, logs.actions]
        est = ope_estimates(logs.rewards, logs.logged_propensity, pi, logs.viewers,
                            n_resamples=n_resamples, level=level, rng=rng).loc["snips"]  # fmt: skip
        dep = deployed[name]
        value, low, high = _per_impression(dep, n_resamples, level, rng)
        n_viewers = np.unique(dep.viewers).size
        out.append({
            "policy": name, "one_step_true": float(truth.mean()), "snips": est["estimate"],
            "snips_low": est["ci_low"], "snips_high": est["ci_high"], "deployed": value,
            "deployed_low": low, "deployed_high": high, "ratio": float(truth.mean()) / value,
            "impressions": len(dep) / n_viewers, "weekly_return": dep.rewards.sum() / n_viewers,
        })  # fmt: skip
    table = pd.DataFrame(out).set_index("policy")
    table.attrs["logged_impressions"] = len(logs) / np.unique(logs.viewers).size
    return table


def strata(profile: pd.DataFrame, step_edges: tuple[int, ...] = (1, 2, 4, 8, 16),
           max_followed: int = 3) -> np.ndarray:  # fmt: skip
    """A stratum per state: followed rooms in the slate (capped) x session-step bin, ``(n,)``."""
    followed = np.minimum(profile["followed_live"].to_numpy(), max_followed).astype(np.int64)
    step = np.digitize(profile["session_step"].to_numpy(), step_edges)
    return followed * (len(step_edges) + 1) + step


def reweighted_value(values: Any, logged_strata: Any, deployed_strata: Any) -> tuple[float, float]:
    """The mean of ``values`` on the logged states, re-weighted to the deployed strata mix.

    ``sum_s P_deployed(s) * mean(values | logged state in s)``: what the one-step value would be
    if the logged states came in the deployed policy's proportions of the strata. Strata that
    the logs never visit cannot be re-weighted; their share is returned.

    Args:
        values: ``(n,)`` one-step values on the logged states (:func:`one_step_values`).
        logged_strata: ``(n,)`` the stratum of each logged state (:func:`strata`).
        deployed_strata: ``(m,)`` the stratum of each deployed state.

    Returns:
        ``(value, missing)``: the re-weighted value and the deployed share of strata absent
        from the logs (the value is normalised over the strata present).
    """
    v, s = np.asarray(values, np.float64), np.asarray(logged_strata)
    if v.shape != s.shape or v.ndim != 1 or v.size == 0:
        raise ValueError(f"values and logged_strata must be (n,) of one length, got {v.shape} "
                         f"and {s.shape}")  # fmt: skip
    mean = pd.Series(v).groupby(s).mean()
    share = pd.Series(np.asarray(deployed_strata)).value_counts(normalize=True)
    present = share.index.intersection(mean.index)
    covered = float(share[present].sum())
    if covered == 0:
        raise ValueError("no deployed stratum appears in the logs: nothing to re-weight")
    return float((share[present] * mean[present]).sum() / covered), 1.0 - covered
