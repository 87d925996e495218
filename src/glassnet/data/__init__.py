"""Data handling: data sets and loaders, splits, scalers, one-hot labels, CSV files."""

from .csv import CSVError, load_csv, read_csv
from .dataset import DataLoader, Dataset, TensorDataset, default_collate
from .preprocessing import MinMaxScaler, StandardScaler, one_hot
from .split import holdout, train_test_split, train_val_test_split

__all__ = [
    "CSVError", "DataLoader", "Dataset", "MinMaxScaler", "StandardScaler", "TensorDataset",
    "default_collate", "holdout", "load_csv", "one_hot", "read_csv", "train_test_split",
    "train_val_test_split",
]
