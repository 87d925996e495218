"""Uploaded points: 'x1,x2,label' text checked line by line into a `CSVData` (nothing is run).

Limits: 1 MB, 10,000 data rows, 3 numeric columns, an optional header line, finite values.
Rows are split and numbers read as `glassnet.data.load_csv` reads them (`text_rows`,
`parse_number`: quoted fields and # comments allowed; ASCII digits only, no `_`, finite).
Integer labels with 2 to 5 distinct values are classes (two classes become TF's −1/+1 in
sorted order, more become 0..k−1); other labels are regression targets. Points outside the
±6 square are scaled down by one common factor so they fit the plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.csv import parse_number, text_rows

MAX_BYTES = 1_000_000
MAX_ROWS = 10_000
MIN_ROWS = 10
DOMAIN = 6.0


@dataclass
class CSVData:
    """Points (n, 2) float32, labels as the network uses them, and how they were read."""

    points: np.ndarray
    labels: np.ndarray
    problem: str
    classes: list[float]  # the file's class values, in label order (empty for regression)
    scale: float  # the factor the coordinates were multiplied by (1.0 if they fit)

    @property
    def n_classes(self) -> int:
        """How many distinct labels the file has (0 for regression)."""
        return len(self.classes)

    def summary(self) -> dict[str, Any]:
        """What the page shows about the upload: rows, problem, classes and scaling."""
        return {
            "rows": len(self.points),
            "problem": self.problem,
            "classes": self.classes,
            "scale": self.scale,
        }

    def check_fits(self, config: Any) -> None:
        """The config must treat these points as what they are."""
        if config.problem != self.problem:
            raise ValueError(
                f"problem: the uploaded CSV is a {self.problem} set; choose a "
                "built-in data set for another problem type"
            )
        if self.problem == "classification" and config.numClasses != self.n_classes:
            raise ValueError(
                f"numClasses: the uploaded CSV has {self.n_classes} classes, "
                f"got {config.numClasses}"
            )


def _number(text: str, line: int) -> float:
    try:
        return parse_number(text)
    except ValueError as e:
        raise ValueError(f"CSV line {line}: {e}") from None


def parse_csv(text: str, problem: str | None = None) -> CSVData:
    """Check and read 'x1,x2,label' rows; `problem` forces classification or regression."""
    if not isinstance(text, str):
        raise ValueError(f"CSV: expected text, got {type(text).__name__}")
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ValueError(f"CSV: {size:,} bytes is over the 1 MB limit")
    if problem not in (None, "classification", "regression"):
        raise ValueError(f"CSV: problem must be 'classification' or 'regression', got {problem!r}")
    rows: list[list[float]] = []
    for i, (line, fields) in enumerate(text_rows(text)):
        if len(fields) != 3:
            raise ValueError(
                f"CSV line {line}: expected 3 comma-separated values (x1, x2, "
                f"label), got {len(fields)}"
            )
        if i == 0 and not _numeric(fields):
            continue  # the header
        rows.append([_number(f, line) for f in fields])
        if len(rows) > MAX_ROWS:
            raise ValueError(f"CSV: more than {MAX_ROWS:,} data rows (line {line})")
    if len(rows) < MIN_ROWS:
        raise ValueError(f"CSV: {len(rows)} data rows; at least {MIN_ROWS} are needed")
    table = np.array(rows)
    points, raw_labels = table[:, :2], table[:, 2]
    values = np.unique(raw_labels)
    if len(values) < 2:
        raise ValueError(f"CSV: the label column has one value only ({values[0]:g})")
    integral = bool(np.all(values == np.round(values)))
    is_classes = integral and len(values) <= 5
    if problem == "classification" and not is_classes:
        raise ValueError(
            f"CSV: classification needs integer labels with 2 to 5 distinct "
            f"values, got {len(values)} distinct values"
            f"{'' if integral else ' (not all integers)'}"
        )
    if problem == "regression" or not is_classes:
        labels, classes, kind = raw_labels.astype(np.float32), [], "regression"
    else:
        index = np.searchsorted(values, raw_labels)
        labels = (2 * index - 1).astype(np.float32) if len(values) == 2 else index
        classes, kind = values.tolist(), "classification"
    biggest = float(np.abs(points).max())
    scale = DOMAIN / biggest if biggest > DOMAIN else 1.0
    return CSVData((points * scale).astype(np.float32), labels, kind, classes, scale)


def _numeric(fields: list[str]) -> bool:
    try:
        [float(f) for f in fields]
    except ValueError:
        return False
    return True
