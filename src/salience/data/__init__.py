"""Datasets: the (N, T, F) contract, splits, scaling and the synthetic generators (boxes, benchmark)."""

from salience.data.benchmark import (
    LAYOUT_ALIASES,
    LAYOUTS,
    PAPER_SAMPLES,
    benchmark_datasets,
    benchmark_name,
    box_bounds,
    make_benchmark,
    make_signal_free,
    parse_benchmark_name,
)
from salience.data.boxes import BOX_ALIASES, BOX_DATASETS, box_paper_sizes, make_box
from salience.data.dataset import Dataset, DatasetSplits, split_dataset
from salience.data.processes import PROCESSES, irregular_times, sample_process, sample_signal
from salience.data.scaling import MinMaxScaler, Standardizer

__all__ = [
    "BOX_ALIASES",
    "BOX_DATASETS",
    "LAYOUTS",
    "LAYOUT_ALIASES",
    "PAPER_SAMPLES",
    "PROCESSES",
    "Dataset",
    "DatasetSplits",
    "MinMaxScaler",
    "Standardizer",
    "benchmark_datasets",
    "benchmark_name",
    "box_bounds",
    "box_paper_sizes",
    "irregular_times",
    "make_benchmark",
    "make_box",
    "make_signal_free",
    "parse_benchmark_name",
    "sample_process",
    "sample_signal",
    "split_dataset",
]
