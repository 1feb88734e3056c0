"""The one CSV reader of the package: the command line's ``fit`` and ``plan`` and the
data-set loaders of :mod:`sklearn_scaling.datasets` read files through it.

It uses the standard-library :mod:`csv` module (pandas stays an optional extra) and
reports every problem a user can fix in one sentence naming the file, and where known
the line (the header is line 1) and the column: a missing file, a file that is not
UTF-8 or is empty, a missing or repeated column (with a hint when the header seems
separated by semicolons, tabs or bars), a row with another number of fields than the
header, and a cell that is not a number.
"""

import csv
import errno
import math
import os
from dataclasses import dataclass

import numpy as np

# Delimiters of files that are "CSV" in name only, as spreadsheets in some locales write.
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "vertical bar"}


class CSVError(ValueError):
    """A file the reader cannot use as asked; the message names file, line and column."""


class MissingColumn(CSVError):
    """A column the caller needs is not in the header."""

    def __init__(self, message, column, delimiter=None):
        super().__init__(message)
        self.column = column
        # The delimiter the header seems to use instead of commas, if any.
        self.delimiter = delimiter


def _blank(row):
    return not any(field.strip() for field in row)


def _other_delimiter(header):
    """The delimiter a header seems to use instead of commas, or None."""
    for delimiter in OTHER_DELIMITERS:
        if any(delimiter in name for name in header):
            return delimiter
    return None


@dataclass
class Table:
    """The data rows of a CSV file as stripped strings, with their file lines."""

    path: str
    header: list
    rows: list
    lines: np.ndarray

    def require(self, names):
        """Check that every column of ``names`` is in the header, exactly once.

        Raises
        ------
        MissingColumn
            For the first name missing, listing the columns the file has.
        CSVError
            For a name the header holds more than once.
        """
        for name in dict.fromkeys(names):
            if name not in self.header:
                message = (
                    f"{self.path}: no column {name!r}; the columns are "
                    f"{', '.join(map(repr, self.header))}"
                )
                delimiter = _other_delimiter(self.header)
                if delimiter is not None:
                    message += (
                        f". The header holds {delimiter!r}: the file seems to be separated "
                        f"by {OTHER_DELIMITERS[delimiter]}s, and only comma-separated files "
                        "are read (save it with commas)"
                    )
                raise MissingColumn(message, name, delimiter)
            if self.header.count(name) > 1:
                raise CSVError(f"{self.path}: column {name!r} appears more than once in the header")

    def column(self, name, rows=None):
        """The text of column ``name`` (of the data rows ``rows``, a boolean mask), as a list."""
        index = self.header.index(name)
        if rows is None:
            return [row[index] for row in self.rows]
        return [row[index] for row, keep in zip(self.rows, rows, strict=True) if keep]

    def numbers(self, name, rows=None, *, finite=True):
        """Column ``name`` as floats; a cell that is not a number names its line and column.

        ``finite=False`` accepts 'nan' and 'inf' as ``float`` reads them.
        """
        texts = self.column(name, rows)
        lines = self.lines if rows is None else self.lines[np.asarray(rows, dtype=bool)]
        values = np.empty(len(texts))
        for i, text in enumerate(texts):
            try:
                value = float(text)
            except ValueError:
                value = None
            if value is None or (finite and not math.isfinite(value)):
                what = "a number" if value is None else "a finite number"
                shown = repr(text) if text else "an empty field"
                raise CSVError(
                    f"{self.path}, line {lines[i]}, column {name!r}: expected {what}, got {shown}"
                )
            values[i] = value
        return values


def read_csv(path):
    """Read a CSV file with a header row; blank lines are skipped.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    table : Table
        The header and every data row, each field stripped of surrounding spaces.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, OSError
        When the file cannot be opened or read.
    CSVError
        When the file is not UTF-8 text, is empty, has a header but no data rows, or
        has a row with another number of fields than the header.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a CSV file", path)
    # utf-8-sig drops the byte-order mark spreadsheet programs put before the header.
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header, rows, lines = None, [], []
        try:
            for row in reader:
                if _blank(row):
                    continue
                row = [field.strip() for field in row]
                if header is None:
                    header = row
                    continue
                if len(row) != len(header):
                    raise CSVError(
                        f"{path}, line {reader.line_num}: expected {len(header)} fields like "
                        f"the header, got {len(row)}"
                    )
                rows.append(row)
                lines.append(reader.line_num)
        except UnicodeDecodeError:
            raise CSVError(f"{path}: not a UTF-8 text file") from None
        except csv.Error as exc:
            raise CSVError(f"{path}, line {reader.line_num}: {exc}") from None
    if header is None:
        raise CSVError(f"{path}: the file is empty")
    if not rows:
        raise CSVError(f"{path}: the file has a header but no data rows")
    return Table(path, header, rows, np.array(lines, dtype=int))
