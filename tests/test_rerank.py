"""Tests for livedqn_edu.recsys.rerank: the MMR-style diversity re-ranker."""

from __future__ import annotations

import numpy as np
import pytest

from livedqn_edu.recsys.rerank import (
    category_similarity,
    cosine_similarity,
    mmr_scores,
    mmr_select,
    rescale_rows,
)


def test_a_worked_example() -> None:
    # two gaming rooms (category 0) and a music room (1); the viewer just watched gaming
    rel = np.array([[0.9, 0.8, 0.3]])
    sim = category_similarity(np.array([[0, 0, 1]]), np.array([[0, -1]]))
    np.testing.assert_array_equal(sim[0], [[1, 0], [1, 0], [0, 0]])
    mask = np.ones((1, 3), bool)
    hist = np.array([[True, False]])
    # lam 0.5: 0.45 - 0.5 = -0.05, 0.4 - 0.5 = -0.1, 0.15 - 0 = 0.15 -> the music room
    np.testing.assert_allclose(mmr_scores(rel, sim, mask, 0.5, hist), [[-0.05, -0.1, 0.15]])
    assert mmr_select(rel, sim, mask, 0.5, hist)[0] == 2
    assert mmr_select(rel, sim, mask, 1.0, hist)[0] == 0


def test_lam_one_is_the_masked_argmax_of_relevance() -> None:
    rng = np.random.default_rng(0)
    rel = rng.normal(-5, 1, (200, 6))  # every score negative
    mask = rng.random((200, 6)) < 0.6
    mask[:, 3] = True
    sim = rng.random((200, 6, 4))
    got = mmr_select(rel, sim, mask, 1.0)
    np.testing.assert_array_equal(got, np.where(mask, rel, -np.inf).argmax(axis=1))


def test_masked_slots_are_never_chosen_with_negative_scores() -> None:
    rel = np.array([[-1.0, 5.0, -2.0]])
    sim = np.array([[[1.0], [0.0], [1.0]]])
    mask = np.array([[True, False, True]])
    scores = mmr_scores(rel, sim, mask, 0.5)
    assert np.isneginf(scores[0, 1]) and (scores[0, [0, 2]] < 0).all()
    assert mmr_select(rel, sim, mask, 0.5)[0] == 0  # -0.5 - 0.5 = -1 beats -1 - 0.5 = -1.5


def test_no_history_means_no_penalty() -> None:
    rel = np.array([[0.2, 0.6]])
    sim = np.array([[[-0.9, 0.4], [0.7, 0.1]]])
    out = mmr_scores(rel, sim, np.ones((1, 2), bool), 0.3, np.zeros((1, 2), bool))
    np.testing.assert_allclose(out, [[0.06, 0.18]])


def test_cosine_similarity_and_rescale_by_hand() -> None:
    cands = np.array([[[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]])
    hist = np.array([[[2.0, 0.0]]])
    np.testing.assert_allclose(cosine_similarity(cands, hist)[0, :, 0], [1.0, 1 / np.sqrt(2), 0.0])
    out = rescale_rows(np.array([[2.0, 4.0, 3.0], [1.0, 1.0, 9.0]]),
                       np.array([[True, True, True], [True, True, False]]))  # fmt: skip
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.5], [1.0, 1.0, -np.inf]])


def test_bad_inputs() -> None:
    rel, mask = np.zeros((2, 3)), np.ones((2, 3), bool)
    with pytest.raises(ValueError, match="lam must be in"):
        mmr_scores(rel, np.zeros((2, 3, 1)), mask, 1.5)
    with pytest.raises(ValueError, match=r"similarity \(N, K, H\)"):
        mmr_scores(rel, np.zeros((2, 4, 1)), mask, 0.5)
    with pytest.raises(ValueError, match="finite"):
        mmr_scores(np.full((2, 3), np.nan), np.zeros((2, 3, 1)), mask, 0.5)
    with pytest.raises(ValueError, match="history_mask"):
        mmr_scores(rel, np.zeros((2, 3, 1)), mask, 0.5, np.ones((2, 2), bool))
