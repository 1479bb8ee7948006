"""Datasets: the (N, T, F) contract, splits, scaling and the synthetic box generators."""

from salience.data.boxes import BOX_ALIASES, BOX_DATASETS, box_paper_sizes, make_box
from salience.data.dataset import Dataset, DatasetSplits, split_dataset
from salience.data.scaling import Standardizer

__all__ = [
    "BOX_ALIASES",
    "BOX_DATASETS",
    "Dataset",
    "DatasetSplits",
    "Standardizer",
    "box_paper_sizes",
    "make_box",
    "split_dataset",
]
