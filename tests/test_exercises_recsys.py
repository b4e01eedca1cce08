"""Tests for the lesson-07/09 checkers: each rejects the stub and a plausible mistake, accepts the
right answer (the package's own tested functions)."""

from __future__ import annotations

import numpy as np

from livedqn_edu.exercises import check_followed_first, check_hit_rate, check_ips
from livedqn_edu.recsys.evaluation import hit_rate_at_k, ips


def _stub(*args):
    raise NotImplementedError("write it")


# --- followed first ------------------------------------------------------------------------------
def _followed_first(followed, past_minutes, audience, mask):
    key = 1e6 * followed + 1e3 * np.log1p(past_minutes) + np.log1p(audience)
    return np.where(mask, key, -np.inf).argmax(axis=1)


def _followed_first_no_mask(followed, past_minutes, audience, mask):
    key = 1e6 * followed + 1e3 * np.log1p(past_minutes) + np.log(audience)
    return key.argmax(axis=1)


def _followed_first_ignores_history(followed, past_minutes, audience, mask):
    key = 1e6 * followed + audience
    return np.where(mask, key, -np.inf).argmax(axis=1)


def _followed_first_masked_as_zero(followed, past_minutes, audience, mask):
    key = 1e6 * followed + 1e3 * np.log1p(past_minutes) + np.log1p(audience)
    return (key * mask).argmax(axis=1)


def test_check_followed_first() -> None:
    assert not check_followed_first(_followed_first_masked_as_zero)
    assert not check_followed_first(_stub)
    assert not check_followed_first(_followed_first_no_mask)
    assert not check_followed_first(_followed_first_ignores_history)
    assert check_followed_first(_followed_first)


# --- hit rate ----------------------------------------------------------------------------------
def _hit_rate_ignores_mask(scores, target, mask, k):
    return hit_rate_at_k(scores, target, None, k)


def _hit_rate_off_by_one(scores, target, mask, k):
    s = np.where(mask, scores, -np.inf)
    rank = (s > s[np.arange(len(target)), target][:, None]).sum(axis=1)
    return float(np.mean(rank <= k))


def test_check_hit_rate() -> None:
    assert not check_hit_rate(_stub)
    assert not check_hit_rate(_hit_rate_ignores_mask)
    assert not check_hit_rate(_hit_rate_off_by_one)
    assert check_hit_rate(hit_rate_at_k)


# --- IPS ---------------------------------------------------------------------------------------
def _snips_instead(rewards, propensities, target_probs):
    w = target_probs / propensities
    return float(np.sum(w * rewards) / np.sum(w))


def _inverted_weights(rewards, propensities, target_probs):
    with np.errstate(all="ignore"):
        return float(np.mean(propensities / target_probs * rewards))


def test_check_ips() -> None:
    assert not check_ips(_stub)
    assert not check_ips(_snips_instead)
    assert not check_ips(_inverted_weights)
    assert check_ips(ips)


def _hit_rate_zero_fill(scores, target, mask, k):
    # plausible mistake: offline rooms scored 0 instead of -inf
    return hit_rate_at_k(np.where(mask, scores, 0.0), target, None, k)


def test_check_hit_rate_rejects_offline_rooms_scored_zero_and_any(capsys) -> None:
    from unittest.mock import ANY

    assert not check_hit_rate(_hit_rate_zero_fill)
    assert "-inf, not 0" in capsys.readouterr().out
    assert not check_hit_rate(lambda *args: ANY)
