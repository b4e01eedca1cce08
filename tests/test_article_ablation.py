"""Tests for livedqn_edu.article_ablation: variants, the paired interval, storage, a tiny run."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from livedqn_edu import manifest
from livedqn_edu.article import article_epsilon, article_epsilon_by_step
from livedqn_edu.article_ablation import (
    ABLATION_FILE,
    VARIANTS,
    MergedDone,
    ablation_table,
    load_ablation,
    paired_difference,
    run_ablation,
)
from livedqn_edu.dqn import DQNConfig


def test_paired_difference_by_hand() -> None:
    # differences [1, 2, 3]: mean 2, sd 1, half-width t(0.975, 2) / sqrt(3) = 4.303 / 1.732 = 2.484
    out = paired_difference([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert out["mean"] == pytest.approx(2.0)
    assert (out["low"], out["high"]) == pytest.approx((2 - 2.4843, 2 + 2.4843), abs=1e-3)
    # five seeds: t(0.975, 4) = 2.776; differences [0, 0, 0, 0, 5]: mean 1, sd sqrt(5)
    five = paired_difference([0, 0, 0, 0, 5], [0] * 5)
    assert five["high"] - five["mean"] == pytest.approx(2.776 * 5**0.5 / 5**0.5, abs=1e-3)
    with pytest.raises(ValueError, match="paired"):
        paired_difference([1.0], [0.0])
    with pytest.raises(ValueError, match="paired"):
        paired_difference(np.zeros(21), np.zeros(21))


def test_merged_done_reports_the_time_limit_as_a_termination() -> None:
    env = MergedDone(gym.make("CartPole-v1", max_episode_steps=3))
    env.reset(seed=0)
    ends = [env.step(0)[2:4] for _ in range(3)]
    assert ends == [(False, False), (False, False), (True, False)]
    plain = gym.make("CartPole-v1", max_episode_steps=3)
    plain.reset(seed=0)
    assert [plain.step(0)[2:4] for _ in range(3)][-1] == (False, True)


def test_each_variant_switches_in_one_article_choice() -> None:
    reference, *singles, together = VARIANTS
    assert reference.kind == "reference" and not reference.overrides
    assert not reference.merged_done and reference.hidden is None
    for v in singles:
        # the article's exploration is one aspect: its schedule and its early start
        exploration = v.article_epsilon or "learning_starts" in v.overrides
        assert exploration == (v.article_epsilon and dict(v.overrides) == {"learning_starts": 33})
        others = {k for k in v.overrides if k != "learning_starts"}
        changed = exploration, len(others) > 0, v.merged_done, v.hidden is not None
        assert sum(changed) >= 1, v.name
        # a variant changes one aspect, except the network with its learning rate (two settings)
        assert sum(changed) == 1 or v.name == "24-24 network, lr 1e-3"
    union = {k: val for v in singles for k, val in v.overrides.items()}
    assert dict(together.overrides) == union and together.merged_done
    assert together.hidden == (24, 24) and together.article_epsilon
    for v in VARIANTS:
        replace(DQNConfig(), **v.overrides)  # every override is a valid config


def test_article_epsilon_follows_the_article_from_its_first_training_call() -> None:
    variant = next(v for v in VARIANTS if v.name == "article epsilon")
    # random play until the article's first training call (after step 33), then x0.995 per step
    assert variant.article_epsilon and variant.overrides["learning_starts"] == 33
    assert [article_epsilon_by_step(s) for s in (1, 33, 34)] == [1.0, 1.0, 0.995]
    assert article_epsilon_by_step(35) == pytest.approx(0.995**2)
    # the floor: 919 decays (0.995**919 = 0.009986) at step 33 + 919 = 952, then constant
    assert article_epsilon_by_step(951) > 0.01 > article_epsilon_by_step(952)
    assert article_epsilon_by_step(5_000) == article_epsilon(919)
    with pytest.raises(ValueError, match="from 1"):
        article_epsilon_by_step(0)


def test_the_article_epsilon_row_explores_as_the_article(monkeypatch: pytest.MonkeyPatch) -> None:
    import livedqn_edu.training as training

    seen: dict[str, object] = {}
    real = training.train

    def spy(env, agent, total_steps, **kwargs):  # noqa: ANN001, ANN003
        seen["learning_starts"] = agent.config.learning_starts
        seen["schedule"] = kwargs.get("epsilon_schedule")
        return real(env, agent, total_steps, **kwargs)

    monkeypatch.setattr(training, "train", spy)
    variant = next(v for v in VARIANTS if v.name == "article epsilon")
    out = run_ablation([variant], seeds=(0,), total_steps=300, eval_every=300, eval_episodes=1)
    assert seen == {"learning_starts": 33, "schedule": article_epsilon_by_step}
    assert out["settings"]["variants"]["article epsilon"]["article_epsilon"] is True


def fake_result() -> dict:
    runs = {
        "package agent": {"0": [100, 300], "1": [200, 200], "2": [500, 500]},
        "merged done": {"0": [100, 100], "1": [200, 100], "2": [450, 450]},
    }

    def run(returns: list[float]) -> dict:
        return {"eval_returns": returns, "q_estimate": 50.0, "mc_return": 40.0, "time_limits": 2}

    variants = {"package agent": {"kind": "reference"}, "merged done": {"kind": "bug"}}
    return {
        "settings": {"seeds": [0, 1, 2], "variants": variants},
        "runs": {n: {s: run(r) for s, r in per.items()} for n, per in runs.items()},
    }


def test_ablation_table_by_hand() -> None:
    table = ablation_table(fake_result())
    ref, bug = table.loc["package agent"], table.loc["merged done"]
    # per-seed auc: reference 200, 200, 500 (mean 300); merged done 100, 150, 450 (mean 233.3)
    assert ref["auc mean"] == pytest.approx(300.0)
    assert bug["auc mean"] == pytest.approx(700 / 3)
    assert ref["final mean"] == pytest.approx((300 + 200 + 500) / 3)
    assert (ref["solved"], bug["solved"]) == ("1/3", "0/3")  # only seed 2 reaches 475
    assert bug["Q - G"] == pytest.approx(10.0)
    assert bug["time limits"] == 6  # 2 per seed
    # paired differences -100, -50, -50: mean -66.7, sd 28.87, half 4.303 * 28.87 / sqrt(3)
    assert bug["auc diff"] == pytest.approx(-200 / 3)
    assert bug["diff high"] - bug["auc diff"] == pytest.approx(4.303 * 28.8675 / 3**0.5, abs=1e-2)
    assert np.isnan(ref["auc diff"])
    # the rows follow settings["order"]; the reference is found by its kind, wherever it is
    result = fake_result()
    result["settings"]["order"] = ["merged done", "package agent"]
    assert list(ablation_table(result).index) == ["merged done", "package agent"]
    assert ablation_table(result).loc["merged done", "auc diff"] == pytest.approx(-200 / 3)
    result["settings"]["variants"]["package agent"]["kind"] = "choice"
    with pytest.raises(ValueError, match="reference"):
        ablation_table(result)


def test_tiny_run_has_every_variant_and_seed() -> None:
    chosen = [VARIANTS[0], VARIANTS[1]]
    out = run_ablation(chosen, seeds=(0, 1), total_steps=600, eval_every=300, eval_episodes=1)
    assert list(out["runs"]) == out["settings"]["order"] == ["package agent", "merged done"]
    for per_seed in out["runs"].values():
        assert list(per_seed) == ["0", "1"]
        for run in per_seed.values():
            assert run["eval_steps"] == [300, 600] and len(run["eval_returns"]) == 2
            assert run["time_limits"] == 0  # random play never lasts 500 steps
            assert np.isfinite(run["q_estimate"]) and run["mc_return"] > 0
    # the same seed gives the same run until the first time limit (none in 600 random steps)
    assert (
        out["runs"]["package agent"]["0"]["eval_returns"]
        == (out["runs"]["merged done"]["0"]["eval_returns"])
    )
    assert out["settings"]["variants"]["merged done"]["merged_done"] is True
    with pytest.raises(ValueError, match="eval_every"):
        run_ablation(chosen, seeds=(0,), total_steps=100, eval_every=200)


def test_shipped_result_is_verified_against_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = load_ablation()
    assert len(shipped["settings"]["seeds"]) >= 3
    assert shipped["settings"]["order"] == [v.name for v in VARIANTS]
    assert set(shipped["runs"]) == set(shipped["settings"]["order"])
    table = ablation_table(shipped)
    assert list(table.index) == [v.name for v in VARIANTS]
    # a copy of data/ whose ablation file was edited fails the check
    for name in (ABLATION_FILE, "MANIFEST.json"):
        shutil.copy(manifest.data_dir() / name, tmp_path / name)
    monkeypatch.setenv("LIVEDQN_DATA", str(tmp_path))
    data = json.loads((tmp_path / ABLATION_FILE).read_text())
    data["runs"]["merged done"]["0"]["eval_returns"][0] += 1
    (tmp_path / ABLATION_FILE).write_text(json.dumps(data))
    with pytest.raises(ValueError, match="checksum"):
        load_ablation()
    assert load_ablation(verify=False)["runs"]["merged done"]  # an explicit opt-out reads it
    (tmp_path / ABLATION_FILE).unlink()
    with pytest.raises(FileNotFoundError, match="git checkout"):
        load_ablation()


def test_write_refuses_other_settings_before_running() -> None:
    from livedqn_edu.article_ablation import _main

    with pytest.raises(SystemExit, match="default"):
        _main(["--write", "--seeds", "0"])  # would take minutes if it ran first


def test_lesson_ablation_reruns_rows_and_checks_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from livedqn_edu import article_ablation

    # a small stored result, made by real runs, stands in for the shipped one
    stored = run_ablation(
        VARIANTS[:2], seeds=(0,), total_steps=600, eval_every=300, eval_episodes=1, progress=False
    )
    monkeypatch.setattr(article_ablation, "load_ablation", lambda: json.loads(json.dumps(stored)))
    result, reproduced = article_ablation.lesson_ablation(["package agent"], progress=False)
    assert reproduced == {"package agent": True}  # same seed and settings: the same run
    assert result["runs"]["merged done"] == stored["runs"]["merged done"]  # the rest: stored
    assert result["settings"]["total_steps"] == 600

    # a stored row that differs from what the code gives now is reported, and replaced
    tampered = json.loads(json.dumps(stored))
    tampered["runs"]["package agent"]["0"]["eval_returns"][0] += 1
    monkeypatch.setattr(article_ablation, "load_ablation", lambda: tampered)
    result, reproduced = article_ablation.lesson_ablation(["package agent"], progress=False)
    assert reproduced == {"package agent": False}
    fresh = result["runs"]["package agent"]["0"]["eval_returns"]
    assert fresh == stored["runs"]["package agent"]["0"]["eval_returns"]


def test_lesson_ablation_refuses_unknown_rows_before_running() -> None:
    from livedqn_edu.article_ablation import lesson_ablation

    with pytest.raises(ValueError, match="unknown variants \\['no such row'\\]"):
        lesson_ablation(["package agent", "no such row"])
    with pytest.raises(ValueError, match="a list of variant names"):
        lesson_ablation("package agent")  # a bare string, not a list
