"""Data handling: data sets and loaders, splits, scalers, one-hot labels, CSV files."""

from .csv import (
    CSVError,
    has_header,
    load_csv,
    looks_like_header,
    parse_number,
    read_csv,
    read_header,
    text_rows,
)
from .dataset import DataLoader, Dataset, TensorDataset, default_collate
from .preprocessing import MinMaxScaler, StandardScaler, one_hot
from .split import holdout, train_test_split, train_val_test_split

__all__ = [
    "CSVError",
    "DataLoader",
    "Dataset",
    "MinMaxScaler",
    "StandardScaler",
    "TensorDataset",
    "default_collate",
    "has_header",
    "holdout",
    "load_csv",
    "looks_like_header",
    "one_hot",
    "parse_number",
    "read_csv",
    "read_header",
    "text_rows",
    "train_test_split",
    "train_val_test_split",
]
