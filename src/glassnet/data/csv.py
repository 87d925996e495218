"""`load_csv`: numeric CSV (a header row, or none) into (X, y) arrays; nothing is evaluated."""

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


def _rows(path: str | os.PathLike, text: str) -> list[list[str]]:
    try:
        body = "".join(ln for ln in io.StringIO(text, newline="") if not ln.startswith("#"))
        return [r for r in csv.reader(io.StringIO(body, newline="")) if any(c.strip() for c in r)]
    except csv.Error as e:
        raise CSVError(f"load_csv: {path}: {e}") from None


def _parse(path: str | os.PathLike, text: str,
           header: bool = True) -> tuple[list[str], list[list[str]]]:
    rows = _rows(path, text)
    if not rows:
        raise CSVError(f"load_csv: {path} is empty (expected "
                       f"{'a header row and ' if header else ''}data rows)")
    names = [h.strip() for h in rows[0]] if header else [str(j) for j in range(len(rows[0]))]
    data = rows[1:] if header else rows
    for i, r in enumerate(data, start=2 if header else 1):
        if len(r) != len(names):
            raise CSVError(f"load_csv: {path} line {i} has {len(r)} fields, the "
                           f"{'header' if header else 'first line'} has {len(names)}")
    return names, data


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def looks_like_header(row: list[str]) -> bool:
    """Whether a first CSV row is a header: not all numbers, or 0, 1, …, n−1 (the column names
    pandas writes for an unnamed array)."""
    cells = [c.strip() for c in row]
    if not all(_is_number(c) for c in cells):
        return True
    return cells == [str(j) for j in range(len(cells))] and len(cells) > 1


def has_header(path: str | os.PathLike) -> bool:
    """Whether the first (non-comment) line of a CSV file is a header (see looks_like_header)."""
    rows = _rows(path, _read_text(path))
    return bool(rows) and looks_like_header(rows[0])


def read_csv(path: str | os.PathLike,
             header: bool = True) -> tuple[list[str], list[list[str]]]:
    """Column names and raw string rows of a CSV file; lines starting with # are comments.

    With header=False every line is data and the columns are named "0", "1", ….
    """
    return _parse(path, _read_text(path), header)


def load_csv(path: str | os.PathLike, target: str | int | None = -1,
             dtype: type = np.float32,
             header: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a numeric CSV; returns (X, y) with y the `target` column (or None).

    Non-numeric target columns (e.g. species names) become class indices in sorted order.
    `header=False` reads the first line as data (see `has_header` to decide).
    """
    first = 2 if header else 1
    names, rows = read_csv(path, header)
    if not rows:
        raise CSVError(f"load_csv: {path} has a header but no data rows")
    if target is None:
        t = None
    elif isinstance(target, str):
        if target not in names:
            raise CSVError(f"load_csv: {path} has no column {target!r}; columns are {names}")
        t = names.index(target)
    else:
        if not -len(names) <= target < len(names):
            raise CSVError(f"load_csv: target column {target} is out of range for {path} "
                           f"with {len(names)} columns")
        t = target % len(names)
    feats = [j for j in range(len(names)) if j != t]
    x = np.empty((len(rows), len(feats)), dtype)
    for i, r in enumerate(rows):
        for k, j in enumerate(feats):
            try:
                x[i, k] = float(r[j])
            except ValueError:
                raise CSVError(f"load_csv: {path} line {i + first} column {names[j]!r}: "
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
