"""Text data: the movie-review loader, tokenizer, vocabulary, encoding, TextDataset and splits."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from salience.data import (
    PAD_ID,
    UNK_ID,
    Dataset,
    TextDataset,
    Vocabulary,
    encode_texts,
    load_movie_reviews,
    split_dataset,
    split_indices,
    split_text_dataset,
    text_splits,
    tokenize,
)

# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Rock is GREAT", ["the", "rock", "is", "great"]),
        ("he's not bad , isn't it ?", ["he's", "not", "bad", ",", "isn't", "it", "?"]),
        ("Line one.<br /><br />Line two", ["line", "one", ".", "line", "two"]),
        ("co-writer/director", ["co", "-", "writer", "/", "director"]),
        ("rated 10/10 in 2002!", ["rated", "10", "/", "10", "in", "2002", "!"]),
        ('" conan "', ['"', "conan", '"']),
        ("   ", []),
    ],
)
def test_tokenize_hand_examples(text, expected):
    assert tokenize(text) == expected


def test_tokenize_rejects_non_strings():
    with pytest.raises(TypeError, match=r"^text: expected a str"):
        tokenize(["a"])


# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------


def test_vocabulary_orders_by_count_then_alphabet_and_applies_limits():
    texts = ["b a c", "a b", "a d", "e"]  # counts: a 3, b 2, c 1, d 1, e 1
    assert Vocabulary.build(texts).tokens == ["<pad>", "<unk>", "a", "b", "c", "d", "e"]
    assert Vocabulary.build(texts, min_freq=2).tokens == ["<pad>", "<unk>", "a", "b"]
    # max_size counts the two reserved entries
    assert Vocabulary.build(texts, max_size=4).tokens == ["<pad>", "<unk>", "a", "b"]
    assert len(Vocabulary.build(texts, max_size=2)) == 2


def test_vocabulary_encode_decode_and_reserved_tokens():
    vocab = Vocabulary.build([["x", "y", "<pad>", "x"]])  # token lists are taken as they are
    assert vocab.tokens == ["<pad>", "<unk>", "x", "y"]
    assert vocab.encode("x z y") == [2, UNK_ID, 3]
    assert vocab.decode([0, 1, 2]) == ["<pad>", "<unk>", "x"]
    with pytest.raises(ValueError, match=r"^ids: expected ids in \[0, 4\)"):
        vocab.decode([4])


def test_vocabulary_round_trips_through_json(tmp_path):
    vocab = Vocabulary.build(["un film génial", "un navet"])
    path = vocab.save(tmp_path / "vocab.json")
    assert Vocabulary.load(path) == vocab
    assert Vocabulary.from_dict(json.loads(path.read_text(encoding="utf-8"))).tokens == vocab.tokens


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Vocabulary(["a", "<pad>"]), "^tokens: expected to start with"),
        (lambda: Vocabulary(["<pad>", "<unk>", "a", "a"]), "^tokens: expected distinct"),
        (lambda: Vocabulary.build(["a"], max_size=1), "^max_size: expected at least 2"),
        (lambda: Vocabulary.build(["a"], min_freq=0), "^min_freq: expected a positive integer"),
        (lambda: Vocabulary.from_dict({"tokens": ["<pad>", "<unk>"]}), "^document: expected a dict"),
    ],
)
def test_vocabulary_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_vocabulary_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: no vocabulary file"):
        Vocabulary.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=r"^path: .* is not valid JSON"):
        Vocabulary.load(bad)


# ---------------------------------------------------------------------------------------------
# Encoding and the dataset contract
# ---------------------------------------------------------------------------------------------


def test_encode_texts_pads_truncates_and_encodes_empty_texts_as_unk():
    vocab = Vocabulary(["<pad>", "<unk>", "good", "film", "a"])
    ds = encode_texts(["a good film", "good", "", "a good good film film"], [1, 1, 0, 0], vocab, 3, name="t")
    assert ds.x.tolist() == [[4, 2, 3], [2, 0, 0], [UNK_ID, 0, 0], [4, 2, 2]]
    assert ds.lengths.tolist() == [3, 1, 1, 3]
    assert ds.x.dtype == np.int64 and ds.y.dtype == np.int64
    assert ds.meta == {"name": "t", "n_classes": 2, "vocab_size": 5, "max_length": 3}
    assert (ds.n_samples, ds.max_length, ds.n_classes, ds.vocab_size, ds.name) == (4, 3, 2, 5, "t")


def test_text_dataset_validates_its_arrays():
    x = np.array([[3, 4, 0], [5, 0, 0]])
    TextDataset(x, np.array([0, 1]), np.array([2, 1]))  # valid
    with pytest.raises(ValueError, match=r"^x: expected <pad> \(0\) beyond"):
        TextDataset(x, np.array([0, 1]), np.array([1, 1]))
    with pytest.raises(ValueError, match=r"^lengths: expected values in \[1, 3\]"):
        TextDataset(x, np.array([0, 1]), np.array([2, 0]))
    with pytest.raises(TypeError, match=r"^x: expected integer token ids"):
        TextDataset(x.astype(float), np.array([0, 1]), np.array([2, 1]))
    with pytest.raises(ValueError, match=r"^x: expected shape \(N, L\)"):
        TextDataset(x[None], np.array([0, 1]), np.array([2, 1]))
    with pytest.raises(ValueError, match=r"^x: expected token ids in \[0, 5\)"):
        TextDataset(x, np.array([0, 1]), np.array([2, 1]), meta={"vocab_size": 5})
    with pytest.raises(ValueError, match=r"^y: expected labels in \[0, 2\)"):
        TextDataset(x, np.array([0, 2]), np.array([2, 1]), meta={"n_classes": 2})


def test_subset_keeps_meta_and_class_count():
    ds = TextDataset(np.array([[3, 0], [4, 5], [6, 0]]), np.array([0, 1, 1]), np.array([1, 2, 1]))
    part = ds.subset([2, 0])
    assert part.x.tolist() == [[6, 0], [3, 0]] and part.y.tolist() == [1, 0]
    assert part.lengths.tolist() == [1, 1] and part.meta["n_classes"] == 2


# ---------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------


def test_split_indices_match_split_dataset_partition():
    """The same labels and seed give the same partition as the (N, T, F) split (the reference)."""
    labels = np.random.default_rng(3).integers(0, 3, size=97)
    ours = split_indices(labels, test=0.2, validation=0.25, seed=11)
    # Reference: split a Dataset whose only feature is each sample's index.
    reference = split_dataset(
        Dataset(np.arange(97, dtype=np.float32).reshape(97, 1, 1), labels), test=0.2, validation=0.25, seed=11
    )
    for mine, part in zip(ours, (reference.train, reference.validation, reference.test), strict=True):
        assert mine.tolist() == part.x[:, 0, 0].astype(int).tolist()


def test_split_text_dataset_is_a_stratified_seeded_partition():
    n = 200
    y = (np.arange(n) % 4 == 0).astype(np.int64)  # 25 % positive
    ds = TextDataset(np.arange(1, n + 1)[:, None], y, np.ones(n, dtype=np.int64))
    parts = split_text_dataset(ds, test=0.2, validation=0.25, seed=5)
    ids = [set(p.x[:, 0].tolist()) for p in (parts.train, parts.validation, parts.test)]
    assert [len(s) for s in ids] == [120, 40, 40]
    assert set.union(*ids) == set(range(1, n + 1)) and sum(len(s) for s in ids) == n
    for part in (parts.train, parts.validation, parts.test):
        assert part.y.mean() == pytest.approx(0.25, abs=0.01)
    again = split_text_dataset(ds, test=0.2, validation=0.25, seed=5)
    assert np.array_equal(again.test.x, parts.test.x)
    other = split_text_dataset(ds, test=0.2, validation=0.25, seed=6)
    assert not np.array_equal(other.test.x, parts.test.x)
    with pytest.raises(TypeError, match=r"^dataset: expected a TextDataset"):
        split_text_dataset(Dataset(np.zeros((4, 1, 1)), np.array([0, 1, 0, 1])))


def test_text_splits_build_the_vocabulary_from_training_texts_only():
    texts = [f"word{i} common" for i in range(40)]
    labels = np.arange(40) % 2
    parts, vocab = text_splits(texts, labels, max_length=5, test=10, validation=10, seed=0)
    train_words = {vocab.tokens[i] for i in np.unique(parts.train.x) if i > 1}
    assert "common" in vocab.tokens
    # every non-reserved entry of the vocabulary comes from a training text
    assert set(vocab.tokens[2:]) == train_words
    # the unique word of a test text is unknown
    assert (parts.test.x[:, 0] == UNK_ID).all() and (parts.test.x[:, 1] == vocab.index["common"]).all()
    assert parts.train.meta["vocab_size"] == len(vocab)
    with pytest.raises(ValueError, match=r"^labels: expected 40 labels"):
        text_splits(texts, labels[:-1], max_length=5)


# ---------------------------------------------------------------------------------------------
# The movie-review corpus
# ---------------------------------------------------------------------------------------------


def test_load_rotten_tomatoes_sentences():
    texts, labels = load_movie_reviews("rotten_tomatoes")
    assert len(texts) == 8530 and labels.shape == (8530,) and labels.dtype == np.int64
    assert int(labels.sum()) == 4265 and set(np.unique(labels)) == {0, 1}
    assert texts[0].startswith("the rock is destined to be the 21st century's new")
    assert all(isinstance(t, str) and t.strip() for t in texts)
    lengths = np.array([len(tokenize(t)) for t in texts[:500]])
    assert 10 < np.median(lengths) < 40  # sentences, not reviews


def test_load_imdb_reviews():
    texts, labels = load_movie_reviews("imdb")
    assert len(texts) == 25000 and int(labels.sum()) == 12500
    assert texts[0].startswith("I rented I AM CURIOUS-YELLOW")
    assert "<br />" in texts[0] and "<br" not in " ".join(tokenize(texts[0]))


def test_load_movie_reviews_errors(monkeypatch):
    with pytest.raises(ValueError, match=r"^source: expected one of imdb, rotten_tomatoes"):
        load_movie_reviews("sst")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match=r"install salience\[data\]"):
        load_movie_reviews()


def test_pad_id_is_zero():
    assert PAD_ID == 0 and UNK_ID == 1
