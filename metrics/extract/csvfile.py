"""Reading an extract's CSV file so that every line is accounted for.

DuckDB's CSV reader is fast but takes a file whole: one stray quote makes it read the rest
of the file as one value, a carriage return outside quotes or mixed line endings stop it,
and it skips blank lines without a word. So before DuckDB reads a file, one pass over its
bytes (vectorised with NumPy, about 2 s for 750 MB) finds every line that would
trouble it, and :func:`scan` decides what each one is:

- a **blank line** (empty, or spaces and tabs only) is skipped and counted;
- a line with an odd number of quotes opens a value spanning lines when the lines up to
  the next such line form one well-quoted record with the header's number of cells;
  otherwise it is a **fault**, "unmatched quote", and reading goes on at the next line;
- a line that is not UTF-8, holds a carriage return outside quotes, or has more or fewer
  values than the header (commas inside quotes left out), is a fault;
- a line longer than :data:`MAX_LINE_BYTES` stops the load (:class:`ScanError`): nothing
  in a contract row comes near that size, and reading on could take the machine's memory.

Faults never reach DuckDB: when a file has any, or blank lines, or mixed line endings,
DuckDB reads a copy without those lines (line endings made one kind, values left as they
are), and ``record_lines`` gives the physical line on which each record of it starts. A
file with none of these is read as it is, its record *k* (from 0) being on line *k* + 2.
"""

from __future__ import annotations

import codecs
import csv
import mmap
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple, NoReturn

import numpy as np

from metrics.extract import schema

# Longer lines stop the load: a contract row is a few hundred bytes at most.
MAX_LINE_BYTES = 1 << 20
# A value spanning lines may not run longer than this in all.
MAX_RECORD_BYTES = 4 * MAX_LINE_BYTES
CHUNK_BYTES = 1 << 24
NEWLINE, CARRIAGE_RETURN, QUOTE, COMMA = 10, 13, 34, 44

# Line endings as DuckDB's new_line option names them.
LF, CRLF = "\\n", "\\r\\n"

UNMATCHED_QUOTE = 'unmatched quote (")'
CR_OUTSIDE_QUOTES = "carriage return inside a value that is not quoted"


class ScanError(Exception):
    """The file cannot be read as CSV at all; the message says what and where."""


class Fault(NamedTuple):
    """A line the scan rejects: its number, the cell it is in (index into the header), its
    text (undecodable bytes shown as U+FFFD) and why. A tuple: a file of junk makes millions."""

    line: int
    cell: int | None  # None: the line as a whole (too many values)
    text: str
    reason: str


@dataclass
class ScannedFile:
    path: Path
    header: list[str]
    new_line: str  # what DuckDB splits records on, spelt as its new_line option wants: \\n or \\r\\n
    blank_lines: int
    faults: list[Fault]
    # Records DuckDB reads, and the physical line each starts on (None: record k on line k + 2).
    readable: int
    record_lines: np.ndarray | None
    # Byte ranges to copy for DuckDB, and whether to turn CR LF into LF in each (None: read the file).
    ranges: list[tuple[int, int, bool]] | None = field(default=None, repr=False)

    @property
    def records(self) -> int:
        """Records in the file: those DuckDB reads and the faulty lines."""
        return self.readable + len(self.faults)

    def readable_file(self, spare: Path) -> Path:
        """The file DuckDB is to read: this one, or a copy at ``spare`` without the skipped lines."""
        if self.ranges is None:
            return self.path
        with self.path.open("rb") as source, spare.open("wb") as out, \
                mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
            size = len(data)
            for start, end, normalise in self.ranges:
                position = start
                while position < end:
                    stop = min(end, position + CHUNK_BYTES)
                    if normalise and stop < end and data[stop - 1] == CARRIAGE_RETURN:
                        stop += 1  # keep CR LF in one piece
                    piece = data[position:stop]
                    if normalise:
                        piece = piece.replace(b"\r\n", b"\n")
                        if stop == size and piece.endswith(b"\r"):
                            piece = piece[:-1]  # a last line ending in CR without its LF
                    out.write(piece)
                    position = stop
        return spare


def _where(text: str, position: int) -> tuple[int, bool]:
    """The index of the cell holding character ``position`` of a line, and whether it lies inside quotes."""
    if '"' not in text[:position]:
        return text.count(",", 0, position), False
    cell, quoted = 0, False
    for index, char in enumerate(text[:position]):
        if char == '"' and (quoted or index == 0 or text[index - 1] in ',"'):
            quoted = not quoted
        elif char == "," and not quoted:
            cell += 1
    return cell, quoted


def _cell_at(text: str, position: int) -> int:
    return _where(text, position)[0]


def _quote_fault_cell(text: str) -> int:
    """The cell where a line's quoting goes wrong: a quoted value left open, a quoted value
    followed by more than a comma, or a quote inside a value that is not quoted."""
    cell, index, size = 0, 0, len(text)
    while index < size:
        if text[index] == '"':
            close = index + 1
            while (close := text.find('"', close)) >= 0 and text[close + 1: close + 2] == '"':
                close += 2
            if close < 0:
                return cell
            index = close + 1
            if index < size and text[index] != ",":
                return cell
        else:
            comma = text.find(",", index)
            stop = size if comma < 0 else comma
            if '"' in text[index:stop]:
                return cell
            index = stop
        if index < size:  # at a comma
            cell += 1
            index += 1
    return cell


def _record_pattern(cells: int) -> re.Pattern[bytes]:
    """One record of ``cells`` values, quoted values free to hold line breaks."""
    value = rb'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
    return re.compile(value + (rb"," + value) * (cells - 1) + rb"\r?")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(handle: BinaryIO) -> tuple[list[str], int, bool]:
    """The header's cells, its length in bytes, and whether it ends in CR LF."""
    first = handle.readline(MAX_LINE_BYTES + 1)
    if not first.strip(b"\r\n"):
        raise ScanError("the file is empty; expected a header row on line 1")
    if len(first) > MAX_LINE_BYTES:
        raise ScanError(f"line 1 (the header) is longer than {MAX_LINE_BYTES:,} bytes")
    # Without its byte order mark: an error's position then counts in the header's own bytes
    # (decoding as utf-8-sig counts from after the mark, misplacing the column and the byte).
    body = first.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        cell = _cell_at(body[: error.start].decode("utf-8", errors="replace"), error.start)
        raise ScanError(f"line 1 (the header), column {cell + 1}: not UTF-8 "
                        f"(byte 0x{body[error.start]:02X})") from None
    text = text.rstrip("\r\n")
    if "\r" in text:
        raise ScanError(f"line 1 (the header), column {_cell_at(text, text.index(chr(13))) + 1}: a carriage return "
                        "inside the header (lines must end in LF or CR LF, not CR alone)")
    if text.count('"') % 2:
        raise ScanError(f"line 1 (the header), column {_quote_fault_cell(text) + 1}: {UNMATCHED_QUOTE}")
    return next(csv.reader([text])), len(first), first.endswith(b"\r\n")


KINDS = ("odd_quotes", "lone_cr", "not_utf8", "blank", "ragged")


@dataclass
class _Lines:
    """What the pass over the bytes found: for each kind of line, the line numbers (header
    = 1), where each starts and ends in the file (without its line break), and for ragged
    lines the number of cells; all in order."""

    count: int = 0  # lines after the header
    endings: int = 0  # line breaks after the header (a last CR without its LF counts)
    crlf: int = 0  # of which CR LF
    noted: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in KINDS})
    cells: list[np.ndarray] = field(default_factory=list)

    def lines(self, kind: str) -> np.ndarray:
        parts = self.noted[kind]
        return np.concatenate(parts) if parts else np.empty((0, 3), dtype=np.int64)


@dataclass(frozen=True)
class _BlockLines:
    """The lines of one block: the first one's number, the block's offset in the file, and
    where each line starts and ends within the block."""

    first_line: int
    offset: int
    starts: np.ndarray
    ends: np.ndarray

    def note(self, kind: list[np.ndarray], selected: np.ndarray) -> None:
        """Keep the lines picked by ``selected`` (a mask, or line indexes) as rows of line, start, end."""
        index = np.flatnonzero(selected) if selected.dtype == bool else np.unique(selected)
        if index.size:
            kind.append(np.column_stack((self.first_line + index, self.offset + self.starts[index],
                                         self.offset + self.ends[index])))


def _pass_over_bytes(data: mmap.mmap, data_start: int, size: int, header: list[str]) -> _Lines:
    found = _Lines()
    offset, first_line = data_start, 2
    while offset < size:
        stop = min(size, offset + CHUNK_BYTES)
        # A copy, not a view of the map: a view alive in an error's traceback keeps the map from closing.
        raw = data[offset:stop]
        block = np.frombuffer(raw, dtype=np.uint8)
        newlines = np.flatnonzero(block == NEWLINE)
        if stop < size:  # end the block after its last whole line
            if newlines.size == 0:
                _too_long(data, offset, first_line, header)
            block = block[: int(newlines[-1]) + 1]
            stop = offset + block.size
        # A block ends in a line break except, at the end of the file, a last line without one.
        ends = newlines if block[-1] == NEWLINE else np.append(newlines, block.size)
        starts = np.concatenate(([0], newlines[: ends.size - 1] + 1))
        lengths = ends - starts
        too_long = np.flatnonzero(lengths > MAX_LINE_BYTES)
        if too_long.size:  # the first one, where reading stops (not the longest: argmax)
            _too_long(data, offset + int(starts[too_long[0]]), first_line + int(too_long[0]), header)
        lines = _BlockLines(first_line, offset, starts, ends)

        found.endings += newlines.size
        line_ends_in_cr = np.zeros(lengths.size, dtype=bool)
        carriage = np.flatnonzero(block == CARRIAGE_RETURN)
        if carriage.size:
            ending = np.isin(carriage + 1, newlines)
            if stop == size and carriage[-1] == block.size - 1:
                ending[-1] = True  # the file's last byte: a CR LF whose LF is missing
                found.endings += 1
            found.crlf += int(ending.sum())
            line_ends_in_cr[np.searchsorted(ends, carriage[ending])] = True
            lines.note(found.noted["lone_cr"], np.searchsorted(ends, carriage[~ending]))
        blank = (lengths == 0) | ((lengths == 1) & line_ends_in_cr)
        lines.note(found.noted["blank"], blank)
        odd = np.zeros(lengths.size, dtype=bool)
        quotes = np.flatnonzero(block == QUOTE)
        if quotes.size:
            per_line = np.bincount(np.searchsorted(ends, quotes), minlength=lengths.size)
            odd = per_line % 2 == 1
            lines.note(found.noted["odd_quotes"], odd)
        # Cells per line, from its commas. Lines with quotes are counted here too, leaving out
        # the commas inside quotes (after an odd number of the line's quotes): DuckDB drops
        # empty values past the header's count without a word (`a,"b",c,` reads as 3 values).
        # A line with an odd number of quotes is a value spanning lines, or a fault, below.
        if quotes.size:
            commas = np.flatnonzero(block == COMMA)
            comma_lines = np.searchsorted(ends, commas)
            quotes_before = np.searchsorted(quotes, commas) - np.searchsorted(quotes, starts[comma_lines])
            outside = comma_lines[quotes_before % 2 == 0]
            cells = np.bincount(outside, minlength=lengths.size).astype(np.int32) + 1
        else:
            cells = np.add.reduceat((block == COMMA).view(np.uint8), starts, dtype=np.int32) + 1
        ragged = (cells != len(header)) & ~odd & ~blank
        if ragged.any():
            lines.note(found.noted["ragged"], ragged)
            found.cells.append(cells[ragged])
        wide = np.flatnonzero(block >= 0x80)
        if wide.size and not _is_utf8(raw[: block.size]):
            candidates = np.unique(np.searchsorted(ends, wide))
            undecodable = [i for i in candidates.tolist() if not _is_utf8(raw[starts[i]: ends[i]])]
            lines.note(found.noted["not_utf8"], np.array(undecodable, dtype=np.int64))
        first_line += lengths.size
        offset = stop
    found.count = first_line - 2
    return found


def _too_long(data: mmap.mmap, start: int, line: int, header: list[str]) -> NoReturn:
    beginning = bytes(data[start: start + MAX_LINE_BYTES]).decode("utf-8", errors="replace")
    cell = _cell_at(beginning, len(beginning))
    name = f" ({header[cell]})" if cell < len(header) else ""
    raise ScanError(f"line {line}, column {cell + 1}{name}: the line is longer than {MAX_LINE_BYTES:,} bytes")


def scan(path: Path) -> ScannedFile:
    """Scan ``path`` (see the module's description). Raises :class:`ScanError`."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ScanError(f"cannot be read ({error.strerror or error})") from None
    with handle:
        header, data_start, header_crlf = _header(handle)
        size = handle.seek(0, 2)
        if size == data_start:
            return ScannedFile(path, header, CRLF if header_crlf else LF, 0, [], 0, None)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _decide(path, header, header_crlf, data, data_start, size)


def _decide(path: Path, header: list[str], header_crlf: bool, data: mmap.mmap, data_start: int,
            size: int) -> ScannedFile:
    found = _pass_over_bytes(data, data_start, size, header)
    bounds = {int(line): (int(start), int(end)) for kind in ("odd_quotes", "lone_cr", "not_utf8", "ragged")
              for line, start, end in found.lines(kind)}

    def text(line: int) -> str:
        start, end = bounds[line]
        return data[start:end].decode("utf-8", errors="replace")

    # Values spanning lines run from a line with an odd number of quotes to the next one.
    record = _record_pattern(len(header))
    spans: list[tuple[int, int]] = []
    inside_spans: set[int] = set()
    faults: dict[int, Fault] = {}
    odd, index = found.lines("odd_quotes")[:, 0].tolist(), 0
    while index < len(odd):
        first = odd[index]
        if index + 1 < len(odd):
            last = odd[index + 1]
            start, end = bounds[first][0], bounds[last][1]
            candidate = data[start:end]
            if end - start <= MAX_RECORD_BYTES and _is_utf8(candidate) and record.fullmatch(candidate):
                spans.append((first, last))
                inside_spans.update(range(first, last + 1))
                index += 2
                continue
        line_text = text(first).rstrip("\r")
        faults[first] = Fault(first, _quote_fault_cell(line_text), line_text, UNMATCHED_QUOTE)
        index += 1
    for line in found.lines("not_utf8")[:, 0].tolist():
        if line not in inside_spans and line not in faults:
            start, end = bounds[line]
            raw = data[start:end]
            bad = _first_bad_byte(raw)
            before = raw[:bad].decode("utf-8", errors="replace")
            faults[line] = Fault(line, _cell_at(before, len(before)), text(line).rstrip("\r"),
                                 f"not UTF-8 (byte 0x{raw[bad]:02X})")
    for line in found.lines("lone_cr")[:, 0].tolist():
        if line not in inside_spans and line not in faults:
            line_text = text(line)
            for position, char in enumerate(line_text):
                if char == "\r" and position < len(line_text) - 1 and not _where(line_text, position)[1]:
                    faults[line] = Fault(line, _cell_at(line_text, position), line_text.rstrip("\r"),
                                         CR_OUTSIDE_QUOTES)
                    break
    cells = np.concatenate(found.cells).tolist() if found.cells else []
    blank_looking = []
    for line, count in zip(found.lines("ragged")[:, 0].tolist(), cells, strict=True):
        if line not in inside_spans and line not in faults:
            line_text = text(line).rstrip("\r")
            if count == 1 and not line_text.strip(schema.BLANKS):
                # Only spaces or tabs: a person sees a blank line, and so does the count.
                blank_looking.append((line, *bounds[line]))
                continue
            # As DuckDB names them: the first column missing, or none when there are too many.
            faults[line] = Fault(line, count if count < len(header) else None, line_text,
                                 f"malformed line: expected {len(header)} values, found {count}")
    blank = found.lines("blank")
    if blank_looking:
        blank = np.concatenate((blank, np.array(blank_looking, dtype=np.int64)))
        blank = blank[np.argsort(blank[:, 0], kind="stable")]
    if inside_spans:
        blank = blank[~np.isin(blank[:, 0], np.fromiter(inside_spans, dtype=np.int64))]

    continuation = inside_spans - {first for first, _ in spans}
    breaks_inside = sum(data[bounds[first][0]: bounds[last][0]].count(b"\r\n") for first, last in spans)
    outer_endings = found.endings - len(continuation)
    outer_crlf = found.crlf - breaks_inside
    crlf = header_crlf and outer_crlf == outer_endings
    mixed = not crlf and (header_crlf or outer_crlf > 0)
    new_line = CRLF if crlf else LF
    if not faults and not blank.size and not continuation and not mixed:
        return ScannedFile(path, header, new_line, 0, [], found.count, None)

    faulty = np.array([(line, *bounds[line]) for line in sorted(faults)], dtype=np.int64).reshape(-1, 3)
    removed = faulty if not blank.size else np.concatenate((faulty, blank))
    removed = removed[np.argsort(removed[:, 0], kind="stable")]
    numbers = np.arange(2, found.count + 2, dtype=np.int64)
    dropped = np.concatenate((removed[:, 0], np.fromiter(continuation, dtype=np.int64)))
    record_lines = numbers[~np.isin(numbers, dropped)]
    ranges = _ranges_to_copy(removed, bounds, spans, size, mixed) if removed.size or mixed else None
    return ScannedFile(path, header, new_line, int(blank.shape[0]), [faults[line] for line in sorted(faults)],
                       int(record_lines.size), record_lines, ranges)


def _first_bad_byte(raw: bytes) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    raise ValueError("the line is UTF-8")


def _ranges_to_copy(removed: np.ndarray, bounds: dict[int, tuple[int, int]], spans: list[tuple[int, int]],
                    size: int, normalise: bool) -> list[tuple[int, int, bool]]:
    """The byte ranges to copy: everything but the ``removed`` lines (rows of line, start, end),
    each with its line break; with ``normalise``, CR LF becomes LF except inside values spanning lines."""
    cut_starts, cut_ends = removed[:, 1], np.minimum(size, removed[:, 2] + 1)
    starts = np.concatenate(([0], cut_ends))
    ends = np.concatenate((cut_starts, [size]))
    kept = ends > starts
    ranges = list(zip(starts[kept].tolist(), ends[kept].tolist(), strict=True))
    if not normalise:
        return [(start, end, False) for start, end in ranges]
    verbatim = [(bounds[first][0], bounds[last][0]) for first, last in spans]
    pieces: list[tuple[int, int, bool]] = []
    for start, end in ranges:
        position = start
        for span_start, span_end in verbatim:
            if span_end <= position or span_start >= end:
                continue
            if span_start > position:
                pieces.append((position, span_start, True))
            pieces.append((max(position, span_start), min(end, span_end), False))
            position = min(end, span_end)
        if position < end:
            pieces.append((position, end, True))
    return pieces
