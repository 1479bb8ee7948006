"""End to end: the saliency guided training text suite on a reduced profile (Rotten Tomatoes, one
epoch, a small model, 60 test sentences): outputs, stored rows, checkpoints with their vocabulary,
resume and refusal to mix settings."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from salience.data import Vocabulary, load_movie_reviews, text_splits
from salience.models import load_checkpoint
from salience.runs.events import RunEvents
from salience.runs.store import ResultStore, TaskKey
from salience.suites.sgt_text import (
    DATASET,
    METHODS,
    SUITE,
    TRAININGS,
    collect_results,
    resolve_profile,
    run_sgt_text,
    task_count,
)

pytestmark = [pytest.mark.reproduction, pytest.mark.usefixtures("one_thread")]

TINY = {
    "max_length": 24,
    "max_vocab": 3000,
    "embedding_dim": 16,
    "hidden_size": 16,
    "max_epochs": 1,
    "n_eval": 60,
    "ig_steps": 8,
    "nt_samples": 2,
}


class Recorder:
    def __init__(self) -> None:
        self.done: list[tuple[str, str, bool]] = []
        self.epochs = 0

    def events(self) -> RunEvents:
        def epoch(key, report):
            self.epochs += 1

        return RunEvents(
            epoch_done=epoch,
            task_done=lambda key, skipped: self.done.append((key.training, key.method, skipped)),
        )


def test_sgt_text_suite_end_to_end_and_resume(tmp_path):
    profile = resolve_profile("quick", **TINY)
    first = Recorder()
    results = run_sgt_text(tmp_path, profile, seed=0, device="cpu", events=first.events())

    # one result per (training, method), the paper's Movies values beside ours
    assert [(r.training, r.method) for r in results] == [(t, m) for t in TRAININGS for m in METHODS]
    assert len(first.done) == task_count(profile) == 10 and not any(skipped for *_, skipped in first.done)
    assert first.epochs == 2
    by_key = {(r.training, r.method): r for r in results}
    assert by_key[("sgt", "integrated_gradients")].paper_comprehensiveness == 0.306
    assert by_key[("traditional", "random")].paper_sufficiency == 0.294
    for r in results:
        assert -1.0 <= r.comprehensiveness <= 1.0 and -1.0 <= r.sufficiency <= 1.0
        assert 40.0 <= r.accuracy <= 100.0
        assert set(r.curves) == {
            f"{m}@{p}" for m in ("comprehensiveness", "sufficiency") for p in (1, 5, 10, 20, 50)
        }
        # the AOPC is the mean of the per-level differences
        comp = [r.curves[f"comprehensiveness@{p}"] for p in (1, 5, 10, 20, 50)]
        assert r.comprehensiveness == pytest.approx(np.mean(comp))

    for name in ("config.json", "results.sqlite", "table.csv", "table.json", "results.csv", "results.json"):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "figures" / "eraser_aopc.png").stat().st_size > 1000
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["suite"] == SUITE and config["profile"]["max_epochs"] == 1 and "torch" in config["versions"]
    with open(tmp_path / "table.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8 and float(rows[0]["comprehensiveness"]) == pytest.approx(
        results[0].comprehensiveness
    )

    store = ResultStore(tmp_path / "results.sqlite")
    assert {key.method for key in store.done_keys(SUITE)} == {"fit", *METHODS}

    # the checkpoint reloads with its vocabulary and gives the stored test accuracy
    texts, labels = load_movie_reviews()
    parts, vocab = text_splits(
        texts, labels, max_length=profile.max_length, min_freq=profile.min_freq, max_size=profile.max_vocab,
        test=profile.test_fraction, validation=profile.validation_fraction, seed=0, name=DATASET,
    )  # fmt: skip
    for training in TRAININGS:
        directory = tmp_path / "tasks" / DATASET / "bilstm-text" / training / "seed0" / "checkpoint"
        assert Vocabulary.load(directory / "vocab.json") == vocab
        model = load_checkpoint(directory).model
        with torch.no_grad():
            logits = model(torch.from_numpy(parts.test.x), lengths=torch.from_numpy(parts.test.lengths))
        accuracy = 100.0 * float((logits.argmax(1).numpy() == parts.test.y).mean())
        assert accuracy == pytest.approx(by_key[(training, "gradient")].accuracy)

    # a rerun computes nothing and returns the same numbers
    second = Recorder()
    again = run_sgt_text(tmp_path, profile, seed=0, device="cpu", events=second.events())
    assert all(skipped for *_, skipped in second.done) and second.epochs == 0
    assert [(r.comprehensiveness, r.sufficiency) for r in again] == [
        (r.comprehensiveness, r.sufficiency) for r in results
    ]

    # a missing evaluation is recomputed from the stored checkpoint, without training again
    store.log(TaskKey(SUITE, DATASET, "bilstm-text", "sgt", "random", 0), "failed")  # drops its rows
    third = Recorder()
    resumed = run_sgt_text(tmp_path, profile, seed=0, device="cpu", events=third.events())
    assert third.epochs == 0 and ("sgt", "random", False) in third.done
    assert [r.sufficiency for r in resumed] == [r.sufficiency for r in results]
    assert len(collect_results(tmp_path, profile)) == 8

    with pytest.raises(ValueError, match=r"^run_dir: .* other settings \(hidden_size\)"):
        run_sgt_text(tmp_path, resolve_profile(profile, hidden_size=8), seed=0, device="cpu")


def test_profiles_and_overrides():
    quick = resolve_profile("quick")
    assert quick.fraction == 0.5 and quick.rank == "absolute" and quick.source == "rotten_tomatoes"
    assert resolve_profile("paper").n_eval is None
    with pytest.raises(ValueError, match=r"^profile: expected one of paper, quick"):
        resolve_profile("full")
    with pytest.raises(ValueError, match=r"^overrides: \['epochs'\] are not profile settings"):
        resolve_profile("quick", epochs=3)
    with pytest.raises(ValueError, match=r"^methods: expected one of"):
        resolve_profile("quick", methods=("deeplift",))
