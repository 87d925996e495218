"""`load_csv`: numeric CSV (a header row, or none) into (X, y) arrays; nothing is evaluated.

The file is read in blocks of `BLOCK` bytes straight into growing NumPy arrays, so memory
stays a small multiple of the result, not of the text. A block without quotes, comments,
blank lines or lone CRs is split with `str.split`; any other block goes through the `csv`
module, which also finishes a quoted field that runs on into the next block. Numbers are
read strictly (`parse_number`): ASCII digits only, no `_`, finite in the target dtype.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, repeat
from operator import itemgetter
from typing import BinaryIO

import numpy as np

BLOCK = 1 << 18  # bytes read at a time
MAX_LINE = 1 << 20  # characters in one line or row; a longer one is refused (bounds memory)
_BOM = b"\xef\xbb\xbf"
_NAN_HINT = " (allow_nan=True, or glassnet predict --allow-nan, reads NaN)"

_Batch = tuple[Sequence[int], list[list[str]]]  # the rows' line numbers, then one list per column


class CSVError(ValueError):
    """A CSV file that cannot be read as a numeric table (says which file, line and why)."""


def _show(text: str) -> str:
    return repr(text.strip()[:40])


def parse_number(text: str, allow_nan: bool = False) -> float:
    """One CSV cell as a float, strictly: ASCII digits only, no `_`, finite (NaN, or an empty
    cell, only with allow_nan); raises ValueError saying why not."""
    try:
        v = float(text)
    except ValueError:
        if allow_nan and not text.strip():
            return math.nan
        raise ValueError(f"{_show(text)} is not a number") from None
    if not text.isascii():
        raise ValueError(
            f"{_show(text)} is a number in non-ASCII characters; write it with the ASCII digits 0-9"
        )
    if "_" in text:
        raise ValueError(f"{_show(text)} has a '_' digit separator; write it without")
    if math.isinf(v) or (math.isnan(v) and not allow_nan):
        raise ValueError(f"{_show(text)} is not a finite number")
    return v


def _breaks(text: str) -> int:
    """Line breaks in text as `io` counts them with newline='': \\n, \\r and \\r\\n."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _too_long(path: object, line: int) -> CSVError:
    return CSVError(
        f"{path} line {line}: the row is longer than {MAX_LINE:,} characters (line breaks included)"
    )


def _decode(path: object, data: bytes, line: int, offset: int) -> tuple[str, CSVError | None]:
    """The text of data, or the text of its whole lines before a byte that is not UTF-8 and
    the error naming that byte (raised after those lines are read)."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        good = data[: e.start]
        cut = max(good.rfind(b"\n"), good.rfind(b"\r")) + 1
        where = line + _breaks(good.decode("utf-8"))
        return good[:cut].decode("utf-8"), CSVError(
            f"{path} line {where} is not UTF-8 text (byte {offset + e.start})"
        )


def _blocks(path: object, f: BinaryIO) -> Iterator[tuple[int, str]]:
    """(number of its first line, text) for consecutive pieces of the file, each ending at a
    line break (or the end); a UTF-8 BOM is dropped; a line over 4 MAX_LINE bytes is refused
    (more than MAX_LINE characters: _Lines refuses a shorter one exactly)."""
    head = f.read(len(_BOM))
    parts, size = ([] if head == _BOM else [head]), (0 if head == _BOM else len(head))
    line, offset = 1, (len(head) if head == _BOM else 0)
    while True:
        chunk = f.read(BLOCK)
        cut = chunk.rfind(b"\n") + 1 or chunk.rfind(b"\r", 0, len(chunk) - 1) + 1
        if chunk and not cut:
            parts.append(chunk)
            size += len(chunk)
            if size > 4 * MAX_LINE:
                raise _too_long(path, line)
            continue
        parts.append(chunk[:cut] if chunk else b"")
        data = b"".join(parts)
        parts, size = [chunk[cut:]], len(chunk) - cut
        text, error = _decode(path, data, line, offset)
        if text:
            yield line, text
        if error:
            raise error
        if not chunk:
            return
        line, offset = line + _breaks(text), offset + len(data)


def _split_fast(text: str, first: int, width: int) -> _Batch | None:
    """The block's rows by plain splitting, or None when it needs the csv module: quotes,
    comments, blank lines, lone CRs, a row of another width, a cell over csv's field limit."""
    if '"' in text:
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    lines = (text[:-1] if text.endswith("\n") else text).split("\n")
    if "" in lines:
        return None
    firsts = set(map(itemgetter(0), lines))
    if "#" in firsts or "," in firsts or any(c.isspace() for c in firsts):
        return None  # a comment, or a row that may be blank (all cells empty)
    if set(map(str.count, lines, repeat(","))) != {width - 1}:
        return None
    if max(map(len, lines)) > csv.field_size_limit():
        return None
    cells = ",".join(lines).split(",")
    return range(first, first + len(lines)), [cells[j::width] for j in range(width)]


class _Lines:
    """Physical lines for csv.reader, numbered, comments skipped; at the end of its text it
    pulls further blocks only to finish a row that is still open (a quoted line break)."""

    def __init__(
        self, path: object, text: str, first: int, more: Callable[[], tuple[int, str] | None]
    ) -> None:
        self.path, self.more = path, more
        self.lines = io.StringIO(text, newline="")
        self.line = first - 1  # the last line handed out
        self.in_row = False  # set False before each row is read
        self.row_line = first  # where the current row started
        self.row_chars = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while True:
            s = self.lines.readline()
            if not s:
                nxt = self.more() if self.in_row else None
                if nxt is None:
                    raise StopIteration
                self.line = nxt[0] - 1
                self.lines = io.StringIO(nxt[1], newline="")
                continue
            self.line += 1
            if s.startswith("#"):
                continue
            if not self.in_row:
                self.in_row, self.row_line, self.row_chars = True, self.line, 0
            self.row_chars += len(s)
            if self.row_chars > MAX_LINE:
                raise _too_long(self.path, self.row_line)
            return s


def _split_slow(
    path: object, lines: _Lines, limit: int = -1
) -> tuple[list[int], list[list[str]], CSVError | None]:
    """The non-blank rows csv.reader makes of the lines (the first `limit` of them if limit is
    not -1), with the line each starts on, and the error that stopped it, if one did (raised
    once the rows before it are read)."""
    reader = csv.reader(lines)
    starts: list[int] = []
    rows: list[list[str]] = []
    while len(rows) != limit:
        lines.in_row = False
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            return starts, rows, CSVError(f"{path} line {lines.line}: {e}")
        except CSVError as e:
            return starts, rows, e
        if any(map(str.strip, row)):
            starts.append(lines.row_line)
            rows.append(row)
    return starts, rows, None


def text_rows(text: str, name: str = "CSV") -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each non-blank row of CSV text, read as load_csv reads a file (lines
    starting with # are comments); a CSVError names `name` and the line."""
    lines = _Lines(name, text.removeprefix("\ufeff"), 1, lambda: None)
    starts, rows, error = _split_slow(name, lines)
    yield from zip(starts, rows)
    if error:
        raise error


class _Table:
    """A CSV file read block by block: its column names, then batches of rows as columns.

    An error (a row of another width, bad UTF-8, a csv error) is raised after the rows before
    it, so the first problem in the file is the one reported, however it falls into blocks.
    """

    def __init__(self, path: str | os.PathLike, f: BinaryIO, header: bool) -> None:
        self.path, self.header = path, header
        self._blocks = _blocks(path, f)
        self.names: list[str] = []
        self._first: _Batch | None = None  # the first row, when it is data
        self._rest: tuple[int, str] | None = None  # the text after the first row, and its line
        for first, text in self._blocks:
            lines = self._lines(first, text)
            starts, rows, error = _split_slow(path, lines, limit=1)
            if error:
                raise error
            if rows:
                row = rows[0]
                self.names = (
                    [h.strip() for h in row] if header else [str(j) for j in range(len(row))]
                )
                if not header:
                    self._first = starts, [[c] for c in row]
                self._rest = lines.line + 1, lines.lines.read()
                break

    def density(self) -> float:
        """Rows per character in the text after the first row, as far as it was read."""
        return (
            (_breaks(self._rest[1]) + 1) / len(self._rest[1])
            if self._rest and self._rest[1].strip()
            else 0.0
        )

    def _lines(self, first: int, text: str) -> _Lines:
        return _Lines(self.path, text, first, lambda: next(self._blocks, None))

    def _columns(self, starts: list[int], rows: list[list[str]]) -> tuple[_Batch, CSVError | None]:
        """The rows as columns, up to the first of another width (and the error naming it)."""
        width, error = len(self.names), None
        for i, (line, r) in enumerate(zip(starts, rows)):
            if len(r) != width:
                error = CSVError(
                    f"{self.path} line {line} has {len(r)} fields, the "
                    f"{'header' if self.header else 'first line'} has {width}"
                )
                starts, rows = starts[:i], rows[:i]
                break
        cols = [list(c) for c in zip(*rows)] if rows else [[] for _ in range(width)]
        return (starts, cols), error

    def batches(self) -> Iterator[_Batch]:
        """The data rows, a block at a time, as (line numbers, columns)."""
        if self._first:
            yield self._first
        rest, self._first, self._rest = self._rest, None, None
        for first, text in chain([rest] if rest else [], self._blocks):
            if not text.strip():
                continue
            fast = _split_fast(text, first, len(self.names))
            if fast:
                yield fast
                continue
            starts, rows, error = _split_slow(self.path, self._lines(first, text))
            batch, bad = self._columns(starts, rows)
            yield batch
            if bad or error:
                raise bad or error


def _open(path: str | os.PathLike) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as e:
        raise _read_error(path, e) from None


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


def _read_error(path: object, e: OSError) -> CSVError:
    return CSVError(f"{path}: cannot read: {e.strerror or e}")


def read_header(path: str | os.PathLike) -> list[str]:
    """The first (non-comment, non-blank) row of a CSV file, stripped; [] for an empty file.
    Reads only as far as that row."""
    with _open(path) as f:
        try:
            return _Table(path, f, header=True).names
        except OSError as e:
            raise _read_error(path, e) from None


def has_header(path: str | os.PathLike) -> bool:
    """Whether the first (non-comment) line of a CSV file is a header (see looks_like_header)."""
    names = read_header(path)
    return bool(names) and looks_like_header(names)


def _table(path: str | os.PathLike, f: BinaryIO, header: bool) -> _Table:
    table = _Table(path, f, header)
    if not table.names:
        raise CSVError(
            f"{path} is empty (expected {'a header row and ' if header else ''}data rows)"
        )
    return table


def read_csv(path: str | os.PathLike, header: bool = True) -> tuple[list[str], list[list[str]]]:
    """Column names and raw string rows of a CSV file; lines starting with # are comments.

    With header=False every line is data and the columns are named "0", "1", ….
    """
    with _open(path) as f:
        try:
            table = _table(path, f, header)
            rows: list[list[str]] = []
            for _, cols in table.batches():
                rows.extend(map(list, zip(*cols)))
        except OSError as e:
            raise _read_error(path, e) from None
    return table.names, rows


# ----- numbers --------------------------------------------------------------------------------
def _where(path: object, names: list[str], line: int, j: int) -> str:
    return f"{path} line {line} column {j + 1} ({names[j][:40]!r})"


def _first_bad(cells: list[str], allow_nan: bool) -> tuple[int, str] | None:
    """(row, why) of the first cell parse_number refuses, or None."""
    for i, c in enumerate(cells):
        try:
            parse_number(c, allow_nan)
        except ValueError as e:
            nan = c.isascii() and c.strip().lstrip("+-").lower() == "nan"
            return i, str(e) + (_NAN_HINT if nan else "")
    return None


def _floats(cells: list[str], allow_nan: bool) -> np.ndarray | tuple[int, str]:
    """The cells as float64 (nan and inf included), or (row, why) of the first cell that is
    not a number or is one in non-ASCII characters or with a '_'."""
    try:
        a = np.array(cells, dtype=np.float64)
    except ValueError:
        bad = _first_bad(cells, allow_nan)
        if bad:
            return bad
        return np.array([parse_number(c, True) for c in cells])  # empty cells: NaN
    joined = "".join(cells)
    if not joined.isascii() or "_" in joined:
        bad = _first_bad(cells, allow_nan)
        if bad:
            return bad
    return a


def _numbers(cells: list[str], dt: np.dtype, allow_nan: bool) -> np.ndarray | tuple[int, str]:
    """A column of cells as float64 values that are also finite (NaN with allow_nan) in dt, or
    (row, why) of the first cell that is not."""
    a = _floats(cells, allow_nan)
    refused = None
    if isinstance(a, tuple):  # the cells before it are numbers: one may not fit in dt
        refused, a = a, _floats(cells[: a[0]], allow_nan)
        assert isinstance(a, np.ndarray)
    with np.errstate(over="ignore", invalid="ignore"):
        wrong = ~np.isfinite(a.astype(dt)) if dt.kind == "f" else ~np.isfinite(a)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        wrong |= (a < info.min) | (a > info.max)
    if allow_nan and dt.kind == "f":
        wrong &= ~np.isnan(a)
    if not wrong.any():
        return refused or a
    i = int(wrong.argmax())
    bad = _first_bad(cells[i : i + 1], allow_nan and dt.kind == "f")
    if bad:
        return i, bad[1]
    if dt.kind == "f":
        return (
            i,
            f"{_show(cells[i])} is not finite as {dt.name} (it overflows; "
            "dtype=np.float64 reads it)",
        )
    return i, f"{_show(cells[i])} does not fit in {dt.name}"


def _fill(
    out: np.ndarray,
    cols: list[list[str]],
    feats: list[int],
    lines: Sequence[int],
    where: Callable[[int, int], str],
    allow_nan: bool,
) -> None:
    """Convert the feature columns of a batch into out (rows, features), or raise at the first
    bad cell in reading order."""
    errors = []
    for k, j in enumerate(feats):
        a = _numbers(cols[j], out.dtype, allow_nan)
        if isinstance(a, tuple):
            errors.append((a[0], j, a[1]))
        elif not errors:
            out[:, k] = a
    if errors:
        i, j, why = min(errors)
        raise CSVError(f"{where(lines[i], j)}: {why}")


class _Grow:
    """A preallocated array whose first dimension grows (by realloc, no copy when it can)."""

    def __init__(self, cap: int, tail: tuple[int, ...], dt: np.dtype | type) -> None:
        self.a = np.empty((max(cap, 1), *tail), dt)

    def take(self, start: int, n: int) -> np.ndarray:
        """The rows start..start+n, grown to hold them."""
        if start + n > len(self.a):
            self.a.resize((max(start + n, len(self.a) * 3 // 2), *self.a.shape[1:]), refcheck=False)
        return self.a[start : start + n]

    def done(self, n: int) -> np.ndarray:
        """The first n rows, the rest given back."""
        self.a.resize((n, *self.a.shape[1:]), refcheck=False)
        return self.a


class _Target:
    """The target column, batch by batch: numbers while every cell is one (float64), else class
    names coded in order of appearance; names that come after numbers re-read the file. A
    number refused (non-ASCII, '_', not finite) is an error only if the column stays numeric."""

    def __init__(self, cap: int, rescan: Callable[[int], list[str]]) -> None:
        self.values = _Grow(cap, (), np.float64)
        self.codes: _Grow | None = None
        self.classes: dict[str, int] = {}
        self.rescan = rescan
        self.refused: tuple[int, str] | None = None  # the first (line, why)
        self.overflow: tuple[int, str] | None = None  # the first (line, cell) inf in dtype

    def _code(self, start: int, cells: list[str]) -> None:
        assert self.codes is not None
        codes = list(map(self.classes.get, cells))  # the keys are stripped: a cell that
        if None in codes:  # matches one as it is needs no strip()
            names = list(map(str.strip, cells))
            for v in sorted(set(names).difference(self.classes)):  # sorted: the same each run
                self.classes[v] = len(self.classes)
            codes = list(map(self.classes.__getitem__, names))
        self.codes.take(start, len(cells))[:] = codes

    def add(
        self, start: int, cells: list[str], lines: Sequence[int], dt: np.dtype, allow_nan: bool
    ) -> None:
        """Read one batch's target cells (rows start.. of the file)."""
        if self.codes is None:
            a = _floats(cells, allow_nan)
            if isinstance(a, np.ndarray):
                self._numbers(start, a, cells, lines, dt, allow_nan)
                return
            if all(_is_number(c) or (allow_nan and not c.strip()) for c in cells):
                self.refused = self.refused or (lines[a[0]], a[1])
                return
            self.codes = _Grow(len(self.values.a), (), np.int64)
            if start:
                self._code(0, self.rescan(start))
        self._code(start, cells)

    def _numbers(
        self,
        start: int,
        a: np.ndarray,
        cells: list[str],
        lines: Sequence[int],
        dt: np.dtype,
        allow_nan: bool,
    ) -> None:
        self.values.take(start, len(a))[:] = a
        wrong = ~np.isfinite(a) & ~(np.isnan(a) if allow_nan else False)
        if self.refused is None and wrong.any():
            i = int(wrong.argmax())
            self.refused = lines[i], (_first_bad(cells[i : i + 1], allow_nan) or (0, ""))[1]
        if dt.kind == "f" and self.overflow is None:
            with np.errstate(over="ignore"):
                big = np.isfinite(a) & ~np.isfinite(a.astype(dt))
            if big.any():
                i = int(big.argmax())
                self.overflow = lines[i], cells[i]

    def result(self, n: int, dt: np.dtype, where: Callable[[int], str]) -> np.ndarray:
        """Integral numbers as int64, other numbers as dt, names as indices in sorted order."""
        if self.codes is not None:
            order = sorted(self.classes)
            rank = np.empty(len(order), np.int64)
            rank[[self.classes[c] for c in order]] = np.arange(len(order))
            return rank[self.codes.done(n)]
        if self.refused is not None:
            raise CSVError(f"{where(self.refused[0])}: {self.refused[1]}")
        y = self.values.done(n)
        if np.all(y == np.round(y)) and np.all(np.abs(y) < 2.0**63):
            return y.astype(np.int64)
        if self.overflow is not None:
            raise CSVError(
                f"{where(self.overflow[0])}: {_show(self.overflow[1])} is not "
                f"finite as {dt.name} (it overflows; dtype=np.float64 reads it)"
            )
        return y.astype(dt)


def _target_column(path: object, names: list[str], target: str | int | None) -> int | None:
    if target is None:
        return None
    if isinstance(target, str):
        if target not in names:
            shown = ", ".join(repr(n[:40]) for n in names[:20]) + (", …" if len(names) > 20 else "")
            raise CSVError(f"{path} has no column {target!r}; its columns are {shown}")
        return names.index(target)
    if not -len(names) <= target < len(names):
        raise CSVError(
            f"{path}: target column {target} is out of range for its {len(names)} columns"
        )
    return target % len(names)


def _rescan(path: str | os.PathLike, header: bool, t: int) -> Callable[[int], list[str]]:
    """Reads the first n cells of column t again (names in a target that began with numbers)."""

    def cells(n: int) -> list[str]:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise CSVError(
                f"{path}: the target column turns from numbers to names "
                "and the file cannot be read twice; give a regular file"
            )
        out: list[str] = []
        with _open(path) as f:
            for _, cols in _table(path, f, header).batches():
                out.extend(cols[t][: n - len(out)])
                if len(out) >= n:
                    break
        return out

    return cells


def _estimate(f: BinaryIO, table: _Table) -> int:
    """Rows to preallocate: those of the first block scaled to the file's size, and never more
    than the file can hold (a row of n columns takes at least n bytes)."""
    try:
        size = os.fstat(f.fileno()).st_size if stat.S_ISREG(os.fstat(f.fileno()).st_mode) else 0
    except (OSError, ValueError, io.UnsupportedOperation):
        size = 0
    width = max(len(table.names), 1)
    if not size:
        return (1 << 16) // width + 1  # a pipe: start small, grow as needed
    most = size // width + 2
    return min(most, int(table.density() * size * 1.02) + 64 if table.density() else 4096)


def load_csv(
    path: str | os.PathLike,
    target: str | int | None = -1,
    dtype: type = np.float32,
    header: bool = True,
    allow_nan: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a numeric CSV; returns (X, y) with y the `target` column (or None).

    Non-numeric target columns (e.g. species names) become class indices in sorted order.
    `header=False` reads the first line as data (see `has_header` to decide). Numbers must be
    finite in `dtype` and written in ASCII; `allow_nan=True` reads nan and empty cells as NaN.
    """
    with _open(path) as f:
        try:
            return _load(path, f, target, np.dtype(dtype), header, allow_nan)
        except OSError as e:
            raise _read_error(path, e) from None


def _load(
    path: str | os.PathLike,
    f: BinaryIO,
    target: str | int | None,
    dt: np.dtype,
    header: bool,
    allow_nan: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    table = _table(path, f, header)
    names = table.names
    t = _target_column(path, names, target)
    feats = [j for j in range(len(names)) if j != t]
    cap = _estimate(f, table)
    x = _Grow(cap, (len(feats),), dt)
    y = None if t is None else _Target(cap, _rescan(path, header, t))
    n = 0
    for lines, cols in table.batches():
        m = len(lines)
        _fill(x.take(n, m), cols, feats, lines, lambda ln, j: _where(path, names, ln, j), allow_nan)
        if y is not None and t is not None:
            y.add(n, cols[t], lines, dt, allow_nan)
        n += m
    if not n:
        raise CSVError(f"{path} has a header but no data rows")
    labels = (
        None if y is None or t is None else y.result(n, dt, lambda ln: _where(path, names, ln, t))
    )
    return x.done(n), labels
