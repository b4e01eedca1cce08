"""Tests of the visible-feature scorer and the diversity re-ranker (recsys/baselines.py)."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.envs.features import feature_spec
from livedqn_edu.envs.world import World, WorldConfig
from livedqn_edu.recsys.baselines import (
    TUNED,
    VISIBLE_FEATURES,
    MMRReranker,
    ScorerWeights,
    SessionMemory,
    VisibleScorer,
    candidate_categories,
)
from livedqn_edu.recsys.policies import FollowedFirst

SPEC = feature_spec()
NAMES = SPEC.names("candidates")
USER = SPEC.names("user")


def obs_from(
    columns: dict[str, np.ndarray],
    mask: np.ndarray,
    categories: np.ndarray,
    session_steps: float = 0.0,
) -> dict[str, np.ndarray]:
    """A hand-built observation: candidate columns by name, categories as one-hot."""
    n, k = mask.shape
    cands = np.zeros((n, k, len(NAMES)), dtype=np.float32)
    for name, values in columns.items():
        cands[..., NAMES.index(name)] = values
    cands[np.arange(n)[:, None], np.arange(k)[None, :], categories] = 1.0  # cat_* come first
    cands[~mask] = 0.0
    user = np.zeros((n, len(USER)), dtype=np.float32)
    user[:, USER.index("session_steps")] = session_steps
    return {
        "user": user,
        "candidates": cands,
        "mask": mask,
        "room_ids": np.where(mask, np.arange(k)[None, :], -1),
    }


def test_weights_vector_follows_the_feature_order() -> None:
    w = ScorerWeights(
        followed=1,
        log_past_minutes=2,
        log_audience=3,
        hours_live=4,
        recent_impressions=5,
        category_share=6,
        session_repeats=7,
    )
    assert w.vector().tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert list(w.as_dict()) == list(VISIBLE_FEATURES)


def test_score_is_the_weighted_sum_and_masked_slots_are_minus_inf() -> None:
    mask = np.array([[True, True, False]])
    obs = obs_from(
        {
            "followed": [[1, 0, 1]],
            "log_audience": [[0.2, 1.0, 2.0]],
            "category_share": [[0.0, 0.5, 0.9]],
        },
        mask,
        np.array([[0, 1, 2]]),
    )
    w = ScorerWeights(followed=1.0, log_audience=-0.5, category_share=2.0)
    scores = VisibleScorer(w).scores(obs)
    # slot 0: 1 - 0.1 + 0 = 0.9; slot 1: 0 - 0.5 + 1.0 = 0.5; slot 2 is empty
    np.testing.assert_allclose(scores[0, :2], [0.9, 0.5], atol=1e-6)
    assert scores[0, 2] == -np.inf


def test_negative_scores_never_pick_an_empty_slot() -> None:
    mask = np.array([[False, True, True]])
    obs = obs_from({"log_audience": [[0.0, 1.0, 2.0]]}, mask, np.array([[0, 1, 2]]))
    scorer = VisibleScorer(ScorerWeights(followed=0.0, log_audience=-1.0))
    assert scorer(obs).tolist() == [1]  # -1 beats -2; the empty slot would score 0


def test_memory_counts_categories_this_session_and_clears_at_a_new_session() -> None:
    memory = SessionMemory(n_categories=8, history=2)
    mask = np.ones((2, 3), bool)
    cats = np.array([[4, 5, 6], [1, 1, 2]])
    obs = obs_from({}, mask, cats, session_steps=0.0)
    memory.sync(obs, SPEC)  # a batch of a new size: cleared, sized (2, 8)
    memory.record(obs, np.array([0, 2]), cats)
    later = obs_from({}, mask, cats, session_steps=1 / 30)
    memory.sync(later, SPEC)
    memory.record(later, np.array([1, 0]), cats)
    assert memory.counts[0, [4, 5]].tolist() == [1, 1] and memory.counts[1, [1, 2]].tolist() == [
        1,
        1,
    ]
    assert memory.recent.tolist() == [[5, 4], [1, 2]]  # newest first
    memory.sync(obs_from({}, mask, cats, session_steps=0.0), SPEC)  # both start a new session
    assert memory.counts.sum() == 0 and (memory.recent == -1).all()


def test_session_repeats_term_steers_away_from_a_category_shown_this_session() -> None:
    mask = np.ones((1, 2), bool)
    cats = np.array([[3, 5]])
    obs = obs_from({"category_share": [[0.6, 0.5]]}, mask, cats)
    scorer = VisibleScorer(ScorerWeights(followed=0.0, category_share=1.0, session_repeats=-0.2))
    assert scorer(obs).tolist() == [0]  # first step: 0.6 > 0.5, category 3 now shown once
    nxt = obs_from({"category_share": [[0.6, 0.5]]}, mask, cats, session_steps=1 / 30)
    np.testing.assert_allclose(scorer.features(nxt)[0, :, -1], [1.0, 0.0])
    assert scorer(nxt).tolist() == [1]  # 0.6 - 0.2 < 0.5
    scorer.reset()
    assert scorer(nxt).tolist() == [0]  # forgotten


def test_probabilities_do_not_change_the_memory() -> None:
    mask = np.ones((1, 2), bool)
    obs = obs_from({"category_share": [[0.6, 0.5]]}, mask, np.array([[3, 5]]))
    scorer = VisibleScorer(ScorerWeights(followed=0.0, category_share=1.0, session_repeats=-0.2))
    for _ in range(3):
        assert scorer.probabilities(obs).tolist() == [[1.0, 0.0]]
    assert scorer.memory.counts.sum() == 0


def test_followed_first_as_a_lexicographic_special_case() -> None:
    world = World(WorldConfig(days=1))
    obs = world.reset(300, seed=3)
    w = ScorerWeights(followed=1e6, log_past_minutes=1e3, log_audience=1.0)
    np.testing.assert_array_equal(VisibleScorer(w)(obs), FollowedFirst()(obs))


def test_mmr_with_lambda_one_is_the_scorer_and_lower_lambda_diversifies() -> None:
    mask = np.ones((1, 3), bool)
    cats = np.array([[2, 2, 6]])
    cols = {"category_share": [[0.9, 0.8, 0.3]]}
    w = ScorerWeights(followed=0.0, category_share=1.0)
    plain, mmr1, mmr = VisibleScorer(w), MMRReranker(1.0, w), MMRReranker(0.4, w)
    first = obs_from(cols, mask, cats)
    for p in (plain, mmr1, mmr):
        assert p(first).tolist() == [0]  # no history yet: relevance decides
    nxt = obs_from(cols, mask, cats, session_steps=1 / 30)
    # relevance rescaled: (1, 5/6, 0); lam 0.4: 0.4 - 0.6, 0.333 - 0.6, 0 - 0 -> slot 2
    assert plain(nxt).tolist() == mmr1(nxt).tolist() == [0]
    assert mmr(nxt).tolist() == [2]


def test_mmr_rejects_bad_lambda_and_scorer_bad_weights() -> None:
    with pytest.raises(ValueError, match="lam"):
        MMRReranker(1.5)
    with pytest.raises(ValueError, match="finite"):
        VisibleScorer(ScorerWeights(followed=np.nan))
    with pytest.raises(TypeError, match="ScorerWeights"):
        VisibleScorer({"followed": 1.0})  # type: ignore[arg-type]


def test_candidate_categories_match_the_world() -> None:
    world = World(WorldConfig(days=1))
    obs = world.reset(50, seed=1)
    cats = candidate_categories(obs, world.features)
    truth = world.rooms.category[np.where(obs["mask"], obs["room_ids"], 0)]
    np.testing.assert_array_equal(cats[obs["mask"]], truth[obs["mask"]])


@pytest.mark.parametrize("policy", [VisibleScorer(TUNED), MMRReranker(0.7, TUNED)])
def test_scorers_run_a_week_on_the_world_and_beat_followed_first_on_average(policy) -> None:
    from livedqn_edu.recsys.evaluation import evaluate_policies

    table = evaluate_policies(
        {"s": policy, "ff": FollowedFirst()}, 300, 7, (1_000_000,), per_viewer=True
    )
    means = table.groupby("policy")["expected_return"].mean()
    assert means["s"] > means["ff"]
