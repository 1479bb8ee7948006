"""Real UCR/UEA datasets read from sktime's .ts files, checked against sktime's own loader, and the
.ts reader checked on tiny hand-written files."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from salience.data import REAL_ALIASES, REAL_DATASETS, load_real, read_ts

needs_sktime = pytest.mark.skipif(importlib.util.find_spec("sktime") is None, reason="needs salience[data]")

# (our name, sktime loader) for the equal-length sets.
EQUAL_LENGTH = [
    ("basic-motions", "load_basic_motions"),
    ("gunpoint", "load_gunpoint"),
    ("italy-power-demand", "load_italy_power_demand"),
    ("arrow-head", "load_arrow_head"),
    ("osu-leaf", "load_osuleaf"),
    ("acsf1", "load_acsf1"),
    ("unit-test", "load_unit_test"),
]


@pytest.fixture(scope="module")
def sktime_datasets():
    return pytest.importorskip("sktime.datasets")


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize(("name", "loader"), EQUAL_LENGTH)
def test_equal_length_sets_match_sktime(sktime_datasets, name, loader, split):
    reference_x, reference_y = getattr(sktime_datasets, loader)(
        split=split, return_X_y=True, return_type="numpy3D"
    )
    dataset = load_real(name, split=split)
    # sktime is (n, channels, length); ours is (N, T = length, F = channels).
    expected = reference_x.transpose(0, 2, 1).astype(np.float32)
    assert dataset.x.shape == expected.shape
    np.testing.assert_array_equal(dataset.x, expected)
    assert dataset.lengths is None
    # Labels are codes into class_names; sktime lowercases some names (BasicMotions), we keep the file's.
    names = np.array(dataset.meta["class_names"])[dataset.y]
    np.testing.assert_array_equal(np.char.lower(names), np.char.lower(reference_y.astype(str)))
    assert dataset.meta["feature_names"] == [f"dim_{k}" for k in range(reference_x.shape[1])]
    assert dataset.meta["split"] == split and dataset.meta["source"].endswith(f"_{split.upper()}.ts")


@pytest.mark.parametrize(("name", "loader", "split"), [
    ("japanese-vowels", "load_japanese_vowels", "train"),
    ("japanese-vowels", "load_japanese_vowels", "test"),
    ("plaid", "load_plaid", "train"),
])  # fmt: skip
def test_variable_length_sets_match_sktime_per_sample(sktime_datasets, name, loader, split):
    frame, labels = getattr(sktime_datasets, loader)(split=split, return_X_y=True)  # nested DataFrame
    dataset = load_real(name, split=split)
    assert dataset.meta["feature_names"] == list(frame.columns)
    assert dataset.x.shape[0] == len(frame)
    np.testing.assert_array_equal(np.array(dataset.meta["class_names"])[dataset.y], labels)
    reference_lengths = [len(frame.iloc[i, 0]) for i in range(len(frame))]
    np.testing.assert_array_equal(dataset.lengths, reference_lengths)
    assert dataset.x.shape[1] == max(reference_lengths)
    for i in range(len(frame)):
        n = reference_lengths[i]
        sample = np.stack([frame.iloc[i, c].to_numpy() for c in range(frame.shape[1])], axis=1)
        np.testing.assert_array_equal(dataset.x[i, :n], sample.astype(np.float32))
        assert not dataset.x[i, n:].any()  # zero padding


@needs_sktime
def test_japanese_vowels_known_facts():
    train, test = load_real("japanese-vowels"), load_real("japanese-vowels", split="test")
    # The header: 9 speakers, 30 training utterances each, lengths 7-26 (train) and 7-29 (test).
    assert train.x.shape == (270, 26, 12) and test.x.shape == (370, 29, 12)
    assert np.bincount(train.y).tolist() == [30] * 9
    assert (int(test.lengths.min()), int(test.lengths.max())) == (7, 29)
    assert train.meta["class_names"] == [str(k) for k in range(1, 10)]


@needs_sktime
def test_names_and_aliases():
    assert len(REAL_DATASETS) == 9 and set(REAL_ALIASES.values()) == set(REAL_DATASETS)
    reference = load_real("basic-motions", split="test")
    for alias in ("BasicMotions", "basicmotions"):
        again = load_real(alias, split="test")
        np.testing.assert_array_equal(again.x, reference.x)
        assert again.name == "basic-motions"
    # The class order is the header's (@classLabel true Standing Running Walking Badminton).
    assert reference.meta["class_names"] == ["Standing", "Running", "Walking", "Badminton"]


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match=r"^name: expected one of acsf1, arrow-head"):
        load_real("basic_motion")
    with pytest.raises(ValueError, match=r"^split: expected one of test, train"):
        load_real("gunpoint", split="validation")
    with pytest.raises(TypeError, match=r"^name: expected a dataset name"):
        load_real(3)


def test_missing_sktime_says_which_extra(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match=r"^name: .*install salience\[data\]"):
        load_real("gunpoint")


# --- tiny hand-written .ts files ------------------------------------------------------------------


def write(tmp_path, text: str, name: str = "tiny.ts"):
    path = tmp_path / name
    path.write_text(text)
    return path


EQUAL = """# a comment
% another comment
@problemName Tiny
@timeStamps false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true b a
@data
1,2,3:4,5,6:a
-1.5,0,2e1:7,8,9:b
"""


def test_tiny_equal_length_file(tmp_path):
    dataset = read_ts(write(tmp_path, EQUAL))
    # x[n, t, f] = series[n, channel f, step t]
    assert dataset.x.tolist() == [
        [[1, 4], [2, 5], [3, 6]],
        [[-1.5, 7], [0, 8], [20, 9]],
    ]
    assert dataset.y.tolist() == [1, 0]  # header order: b = 0, a = 1
    assert dataset.meta["class_names"] == ["b", "a"] and dataset.n_classes == 2
    assert dataset.meta["feature_names"] == ["dim_0", "dim_1"]
    assert dataset.name == "Tiny" and dataset.lengths is None
    assert read_ts(write(tmp_path, EQUAL), name="mine").name == "mine"


UNEQUAL = """@problemName Ragged
@univariate true
@equalLength false
@classLabel true 1 2 3
@data
1,2:3
4,5,6,7:1

8:2
9,10,?,?:2
"""


def test_tiny_unequal_length_file_is_padded_with_lengths(tmp_path):
    dataset = read_ts(write(tmp_path, UNEQUAL))
    assert dataset.x.shape == (4, 4, 1)
    # Trailing '?' steps are padding: the last series has length 2.
    assert dataset.lengths.tolist() == [2, 4, 1, 2]
    assert dataset.x[:, :, 0].tolist() == [[1, 2, 0, 0], [4, 5, 6, 7], [8, 0, 0, 0], [9, 10, 0, 0]]
    assert dataset.y.tolist() == [2, 0, 1, 1]


def test_missing_values_inside_a_series(tmp_path):
    path = write(tmp_path, "@classLabel true x y\n@data\n1,?,3:x\n5,6,?:y\n")
    with pytest.raises(ValueError, match=r"^path: .* line 3 has missing values \('\?'\) inside a series"):
        read_ts(path)
    filled = read_ts(path, impute="ffill")
    # The second sample's trailing '?' is padding; the first's inner '?' takes the last value.
    assert filled.x[:, :, 0].tolist() == [[1, 1, 3], [5, 6, 0]]
    assert filled.lengths.tolist() == [3, 2]
    with pytest.raises(ValueError, match=r"^impute: expected one of"):
        read_ts(path, impute="median")


MALFORMED = [
    ("@classLabel true a\n1,2:a\n", r"line 2: expected a header line"),
    ("@classLabel true a\n", r"has no @data line"),
    ("@problemName p\n@data\n1,2:a\n", r"has no @classLabel true <labels> line"),
    ("@classLabel false\n@data\n1,2\n", r"line 1: expected '@classLabel true <labels>'"),
    ("@classLabel true a a\n@data\n1:a\n", r"line 1: @classLabel lists a label twice"),
    ("@classLabel true a b\n@data\n1,2:c\n", r"line 3: expected a class label from @classLabel \(a b\)"),
    ("@classLabel true a\n@data\n1,2\n", r"line 3: expected a class label"),
    ("@dimensions 2\n@classLabel true a\n@data\n1,2:a\n", r"line 4: expected 2 channels, got 1"),
    ("@classLabel true a\n@data\n1,2:3,4:a\n1,2:a\n", r"line 4: expected 2 channels, got 1"),
    ("@classLabel true a\n@data\n1,2:3:a\n", r"line 3: expected channels of one length"),
    ("@seriesLength 3\n@classLabel true a\n@data\n1,2:a\n", r"line 4: expected 3 values per channel"),
    ("@classLabel true a\n@data\n1,x,3:a\n", r"line 3, channel 0: 'x' is not a number"),
    ("@classLabel true a\n@data\n1,inf:a\n", r"line 3, channel 0: expected finite values"),
    ("@classLabel true a\n@data\n?,?:a\n", r"line 3: the series has no values"),
    ("@timeStamps true\n@classLabel true a\n@data\n(0,1):a\n", r"has timestamps \(@timeStamps true\)"),
    ("@targetLabel true\n@data\n1,2:0.5\n", r"line 1: regression files"),
    ("@univariate maybe\n@classLabel true a\n@data\n1:a\n", r"line 1: expected true or false"),
    ("@dimensions two\n@classLabel true a\n@data\n1:a\n", r"line 1: expected a positive integer"),
    ("@univariate true\n@dimensions 2\n@classLabel true a\n@data\n1:a\n", r"but has @dimensions 2"),
    ("@classLabel true a\n@data\n\n", r"has no data lines after @data"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_files_fail_naming_the_line(tmp_path, text, message):
    with pytest.raises(ValueError, match=r"^path: .*" + message):
        read_ts(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: no .ts file"):
        read_ts(tmp_path / "absent.ts")


# --- models honour the padding ---------------------------------------------------------------------


@needs_sktime
@pytest.mark.parametrize(("model", "options"), [("lstm", {}), ("tcn", {}), ("transformer", {"n_heads": 4})])
def test_padded_batch_gives_the_logits_of_the_unpadded_samples(model, options):
    """lstm reads a packed sequence; the batch's padding must not change any sample's logits."""
    from salience.models import build_model

    vowels = load_real("japanese-vowels", split="test")
    pick = np.argsort(vowels.lengths, kind="stable")[[0, 100, 200, 369]]  # lengths from 7 to 29
    x, lengths = torch.from_numpy(vowels.x[pick]), torch.from_numpy(vowels.lengths[pick])
    assert int(lengths.min()) < int(lengths.max()) == x.shape[1]
    network = build_model(model, n_features=12, n_classes=9, seed=0, **options).eval()
    with torch.no_grad():
        batched = network(x, lengths=lengths)
        single = torch.cat([network(x[i : i + 1, : int(lengths[i])]) for i in range(len(pick))])
    torch.testing.assert_close(batched, single, atol=1e-6, rtol=1e-5)
