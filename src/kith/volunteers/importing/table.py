"""A spreadsheet export, as bytes, read into headers and numbered rows. No Django.

Exports are messy: Excel writes Windows-1252 or UTF-16, European Excel separates with semicolons,
Google adds a byte-order mark, Airtable quotes multi-select cells ("Shopping, Dog walking"),
people type newlines inside cells and leave blank rows, and sheets get a merged title row above
the headers or two columns with the same name. `read_table` copes with all of these, and says
what it did in `Table.notes`. What it cannot read raises `UnreadableFile` with a message fit to
show the coordinator as it is.

Row numbers are the spreadsheet's: the header is row 1 and the first answer row 2, blank rows
counted, a cell with a newline in it still one row. That is the number the coordinator sees in
Google Sheets or Excel when they go to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

DELIMITERS = [",", ";", "\t", "|"]
# The widest file read. A volunteer sign-up export has a few dozen columns (a Google Forms grid
# question adds one per row of the grid) and Kith fills about twenty fields from them; 200 is
# far beyond any real one. Each column is a choice on the mapping page and is guessed, sampled
# and checked on every step, so a file of 30,000 one-letter columns (259 KB) ran the columns
# page out of time; refused here, it costs one pass over the text.
MAX_COLUMNS = 200
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}

HOW_TO_EXPORT = (
    "In Google Sheets choose File, Download, Comma-separated values (.csv); in Google Forms open "
    "the responses in Sheets first; in Airtable choose Download CSV from the view's menu; in Excel "
    "choose Save As, CSV UTF-8. Then upload that file."
)

# What other files start with, so we can say what was uploaded instead of a CSV.
_SIGNATURES = [
    (b"PK\x03\x04", "an Excel workbook (.xlsx), an OpenDocument spreadsheet or another zipped file"),
    (b"\xd0\xcf\x11\xe0", "an older Excel workbook (.xls)"),
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"{\\rtf", "a Word (RTF) document"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
]
_HTML = re.compile(rb"^\s*(<!doctype html|<html)", re.IGNORECASE)
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")
_EMAILISH = re.compile(r"\S@\S")
_LONG_NUMBER = re.compile(r"\d[\d ]{6,}")


class UnreadableFile(ValueError):
    """Why a file cannot be read as a table, in words fit to show the coordinator."""


@dataclass
class Table:
    headers: list[str]
    # (spreadsheet row number, one string per header; stripped). Blank rows are left out.
    rows: list[tuple[int, list[str]]]
    delimiter: str = ","
    encoding: str = "utf-8"
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)
    # Problems found while splitting rows (extra cells): {row number: [message, ...]}.
    row_problems: dict[int, list[str]] = field(default_factory=dict)
    first_data_row: int = 2

    def samples(self, header: str, n: int = 2, width: int = 40) -> list[str]:
        """The first `n` different non-empty values in a column, shortened, for the mapping page."""
        i = self.headers.index(header)
        seen: list[str] = []
        for _, cells in self.rows:
            value = " ".join(cells[i].split())
            if value and value not in seen:
                seen.append(value if len(value) <= width else value[: width - 1] + "…")
                if len(seen) == n:
                    break
        return seen


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's name for a column."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def refuse_binary(data: bytes) -> None:
    """Raise UnreadableFile if `data` is plainly not a text table."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            raise UnreadableFile(f"This file is {what}, not a CSV. {HOW_TO_EXPORT}")
    if _HTML.match(data[:512]):
        raise UnreadableFile(
            "This file is a web page, not a CSV: perhaps the page was saved instead of the file "
            f"being downloaded. {HOW_TO_EXPORT}"
        )


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """The text of `data`, the encoding used, and notes for the report."""
    notes: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8", notes
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", ["Read as UTF-16 (Excel's Unicode text)."]
        except UnicodeDecodeError:
            raise UnreadableFile("The file says it is UTF-16 text but is not. " + HOW_TO_EXPORT) from None
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without a byte-order mark: every other byte of plain text is zero.
        zeros_odd = head[1::2].count(0)
        zeros_even = head[0::2].count(0)
        half = len(head) // 2
        if zeros_odd > half * 0.6 or zeros_even > half * 0.6:
            codec = "utf-16-le" if zeros_odd > zeros_even else "utf-16-be"
            try:
                return data.decode(codec), codec, ["Read as UTF-16 (Excel's Unicode text)."]
            except UnicodeDecodeError:
                pass
        raise UnreadableFile(f"This is not a text file, so it cannot be a CSV. {HOW_TO_EXPORT}")
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        notes.append(
            "The file is not UTF-8, so it was read as Windows-1252 (older Excel CSVs). Check that "
            "names with accents look right below; if not, save it again as CSV UTF-8."
        )
        return data.decode("cp1252", errors="replace"), "cp1252", notes


def _text_looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > max(8, len(sample) // 50)


def sniff_delimiter(text: str, hint: str | None = None) -> str:
    """The separator that splits the first rows most consistently into the most columns."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    best, best_score = ",", (-1.0, -1.0, -1.0, -1.0)
    for delimiter in DELIMITERS:
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 60))
        except csv.Error:
            continue
        rows = [row for row in rows if any(cell.strip() for cell in row)]
        if not rows:
            continue
        width = len(rows[0])
        same = sum(1 for row in rows if len(row) == width) / len(rows)
        score = (float(width > 1), round(same, 1), float(width), float(delimiter == hint))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def clean_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


def _clean_cell(text: str) -> str:
    if "\ufeff" in text or "\u200b" in text:
        text = _INVISIBLE.sub("", text)
    return text.replace("\xa0", " ").strip()


def _check_width(record: list[str], *, row: int) -> None:
    """Refuse a row with more than MAX_COLUMNS cells, empty ones at its end not counted."""
    if len(record) <= MAX_COLUMNS:
        return
    used = len(record)
    while used and not record[used - 1].strip():
        used -= 1
    if used > MAX_COLUMNS:
        raise UnreadableFile(
            f"Row {row} has {used:,} columns, and Kith reads at most {MAX_COLUMNS}: a volunteer "
            "sign-up sheet has a few dozen. Check that this is the right file, or delete the "
            f"columns you don't need and export it again. {HOW_TO_EXPORT}")


def _looks_like_headers(cells: list[str], is_header) -> bool:
    texts = [c for c in cells if c]
    if not texts or any(_EMAILISH.search(c) or _LONG_NUMBER.search(c) for c in texts):
        return False
    return sum(1 for c in texts if is_header(c)) >= 2


def read_table(data: bytes, *, hint: str | None = None, is_header=None) -> Table:
    """Read a CSV or TSV export. `hint` is a delimiter to prefer on a tie (a .tsv name).

    `is_header(text)` says whether a cell reads like a column name we know; with it, a merged
    title row above the real headers is recognised (see columns.looks_like_header).
    """
    refuse_binary(data)
    text, encoding, notes = decode(data)
    text = text.replace("\x00", "")
    if _text_looks_binary(text):
        raise UnreadableFile(f"This does not look like a text file, so it cannot be a CSV. {HOW_TO_EXPORT}")
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = sniff_delimiter(text, hint)
    if delimiter != ",":
        notes.append(f"Columns are separated by {DELIMITER_NAMES[delimiter]}.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            _check_width(record, row=len(records) + 1)
            records.append([_clean_cell(cell) for cell in record])
    except csv.Error as exc:
        row = len(records) + 1
        if "field larger than field limit" in str(exc):
            raise UnreadableFile(
                f"Row {row}: a quotation mark opens a cell that is never closed, so the rest of the "
                "file runs into one cell. Check that row in your spreadsheet and export it again."
            ) from None
        raise UnreadableFile(f"Row {row} cannot be read: {exc}.") from None

    # The header is the first row with anything in it (rows above it still count).
    start = next((i for i, r in enumerate(records) if any(r)), None)
    if start is None:
        raise UnreadableFile("The file has no rows in it.")
    header_cells = list(records[start])
    first_data = start + 1
    if (is_header is not None and first_data < len(records) and "" in header_cells
            and _looks_like_headers(records[first_data], is_header)):
        # A merged title row ("Volunteers 2020" over A1:H1, or "Contact" over two columns):
        # the real names are on the next row; a gap there takes the title above it.
        below = records[first_data]
        width = max(len(header_cells), len(below))
        header_cells += [""] * (width - len(header_cells))
        below = below + [""] * (width - len(below))
        carried, merged = "", []
        for top, bottom in zip(header_cells, below, strict=True):
            carried = top or carried
            merged.append(bottom or carried)
        header_cells = merged
        first_data += 1
        notes.append(f"Rows {start + 1} and {start + 2} were read together as the header "
                     "(a merged title row above the column names).")

    width = len(header_cells)
    data_rows: list[tuple[int, list[str]]] = []
    blank = 0
    row_problems: dict[int, list[str]] = {}
    for index in range(first_data, len(records)):
        cells = records[index]
        number = index + 1
        if not any(cells):
            blank += 1
            continue
        if len(cells) > width:
            extra = [c for c in cells[width:] if c]
            if extra:
                row_problems.setdefault(number, []).append(
                    f"This row has {len(cells)} cells but there are only {width} column names: "
                    "a separator inside a cell that is not in quotes? Its cells may be in the wrong "
                    "columns."
                )
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        data_rows.append((number, cells))

    # Columns with no name: drop them if they are empty (trailing separators), else name them.
    keep: list[int] = []
    headers: list[str] = []
    for i, raw in enumerate(header_cells):
        name = clean_header(raw)
        if not name:
            if not any(cells[i] for _, cells in data_rows):
                continue
            name = f"Column {column_letter(i)}"
            notes.append(f"Column {column_letter(i)} has no name; it is shown as “{name}”.")
        keep.append(i)
        headers.append(name)
    headers = _unique(headers, notes)
    if len(keep) != width:
        data_rows = [(n, [cells[i] for i in keep]) for n, cells in data_rows]
    if not data_rows:
        raise UnreadableFile("The file has column names but no rows of answers under them.")
    return Table(headers=headers, rows=data_rows, delimiter=delimiter, encoding=encoding,
                 blank_rows=blank, notes=notes, row_problems=row_problems,
                 first_data_row=first_data + 1)


def _unique(headers: list[str], notes: list[str]) -> list[str]:
    """Number repeated column names ("Email", "Email (2)") so each can be mapped on its own."""
    counts: dict[str, int] = {}
    taken = {h.casefold() for h in headers}
    out = []
    for header in headers:
        key = header.casefold()
        counts[key] = counts.get(key, 0) + 1
        if counts[key] == 1:
            out.append(header)
            continue
        n = counts[key]
        name = f"{header} ({n})"
        while name.casefold() in taken:
            n += 1
            name = f"{header} ({n})"
        taken.add(name.casefold())
        out.append(name)
        notes.append(f"Two columns are called “{header}”: the later one is shown as “{name}”.")
    return out
