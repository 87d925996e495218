"""`load_csv`: numeric CSV with a header row into (X, y) arrays; nothing is evaluated."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np


class CSVError(ValueError):
    """A CSV file that cannot be read as a numeric table (says which file, line and why)."""


def _read_text(path: str | os.PathLike) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise CSVError(f"load_csv: cannot read {path}: {e.strerror or e}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CSVError(f"load_csv: {path} is not UTF-8 text (byte {e.start})") from None


def _parse(path: str | os.PathLike, text: str) -> tuple[list[str], list[list[str]]]:
    try:
        body = "".join(ln for ln in io.StringIO(text, newline="") if not ln.startswith("#"))
        rows = [r for r in csv.reader(io.StringIO(body, newline="")) if any(c.strip() for c in r)]
    except csv.Error as e:
        raise CSVError(f"load_csv: {path}: {e}") from None
    if not rows:
        raise CSVError(f"load_csv: {path} is empty (expected a header row and data rows)")
    header = [h.strip() for h in rows[0]]
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise CSVError(f"load_csv: {path} line {i} has {len(r)} fields, the header has "
                           f"{len(header)}")
    return header, rows[1:]


def read_csv(path: str | os.PathLike) -> tuple[list[str], list[list[str]]]:
    """Header and raw string rows of a CSV file; lines starting with # are comments."""
    return _parse(path, _read_text(path))


def load_csv(path: str | os.PathLike, target: str | int | None = -1,
             dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a numeric CSV with a header; returns (X, y) with y the `target` column (or None).

    Non-numeric target columns (e.g. species names) become class indices in sorted order.
    """
    header, rows = read_csv(path)
    if not rows:
        raise CSVError(f"load_csv: {path} has a header but no data rows")
    if target is None:
        t = None
    elif isinstance(target, str):
        if target not in header:
            raise CSVError(f"load_csv: {path} has no column {target!r}; columns are {header}")
        t = header.index(target)
    else:
        if not -len(header) <= target < len(header):
            raise CSVError(f"load_csv: target column {target} is out of range for {path} "
                           f"with {len(header)} columns")
        t = target % len(header)
    feats = [j for j in range(len(header)) if j != t]
    x = np.empty((len(rows), len(feats)), dtype)
    for i, r in enumerate(rows):
        for k, j in enumerate(feats):
            try:
                x[i, k] = float(r[j])
            except ValueError:
                raise CSVError(f"load_csv: {path} line {i + 2} column {header[j]!r}: "
                               f"{r[j]!r} is not a number") from None
    if t is None:
        return x, None
    col = [r[t].strip() for r in rows]
    try:
        y = np.array([float(v) for v in col])
        if np.all(y == np.round(y)) and np.all(np.isfinite(y)):
            y = y.astype(np.int64)
        else:
            y = y.astype(dtype)
    except ValueError:
        classes = sorted(set(col))
        y = np.array([classes.index(v) for v in col], np.int64)
    return x, y
