"""How big a spreadsheet really is, found before any reader builds it.

calamine (like every reader that hands out a rectangle) allocates rows × columns of the area between the first
and the last cell holding a value: two cells, A1 and XFD1048576, make it ask for 512 GiB and abort the process.
So a file is measured first, from the cells its own format lists, cheaply and with bounded memory:

* XLSX/XLSM: the first sheet's XML, streamed out of the zip and scanned for `<row>` and `<c>` tags (cells
  without content do not count — calamine skips them too; cells without an `r` follow the previous one);
* ODS: the first table of `content.xml`, streamed through `iterparse`, with `number-rows-repeated` and
  `number-columns-repeated` counted as the repeats they are (LibreOffice's trailing empty repeats do not count);
* XLS: the first worksheet's BIFF records (cell records carry their row and column), read through olefile.

Every member read out of a zip is capped at `MAX_UNZIPPED` bytes actually inflated, so a zip bomb stops there.
The result is the bounding box of the cells with a value; `check` refuses a box over `MAX_CELLS` (or a file this
module cannot make sense of) with a Vietnamese message. No library does this: readers measure after building.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import IO

from phocap.core.errors import ValidationFailed

MAX_CELLS = 5_000_000  # a province's whole list is ~300,000 rows × 15 columns; calamine holds 32 bytes a cell
MAX_UNZIPPED = 256 << 20  # bytes inflated out of one zip member (a 300,000-row list is ~140 MB of XML)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Extent:
    """Rows × columns from A1 to the last cell holding a value: what the reader hands out (`skip_empty_area=False`)."""

    rows: int = 0
    columns: int = 0

    @property
    def cells(self) -> int:
        return self.rows * self.columns


class _Box:
    """The last row and column of the cells seen so far (0-based)."""

    def __init__(self) -> None:
        self.last_row = self.last_col = -1

    def add(self, row: int, col: int, rows: int = 1, cols: int = 1) -> None:
        self.last_row, self.last_col = max(self.last_row, row + rows - 1), max(self.last_col, col + cols - 1)

    def extent(self) -> Extent:
        return Extent(self.last_row + 1, self.last_col + 1) if self.last_row >= 0 else Extent()


def measure(data: bytes, kind: str) -> Extent:
    """The extent calamine would build for the first sheet; `kind` is the file's suffix (`.xlsx`, `.ods`, `.xls`)."""
    try:
        if kind == ".ods":
            return _ods(data)
        if kind == ".xls":
            return _xls(data)
        return _xlsx(data)
    except ValidationFailed:
        raise
    except Exception:  # whatever a damaged file makes zipfile, expat or olefile raise: it is unreadable
        raise ValidationFailed("Không đọc được tệp: tệp hỏng hoặc không phải bảng tính.", code="unreadable") from None


def check(data: bytes, kind: str, *, max_cells: int = MAX_CELLS) -> Extent:
    extent = measure(data, kind)
    if extent.cells > max_cells:
        raise ValidationFailed(
            f"Bảng tính quá lớn: vùng có dữ liệu rộng {extent.rows:,} dòng × {extent.columns:,} cột, vượt giới hạn "
            f"{max_cells:,} ô. Hãy xóa các ô thừa ở xa bảng (hoặc chia tệp) rồi tải lên lại.".replace(",", ".")
        )
    return extent


def _inflated(book: zipfile.ZipFile, name: str) -> io.BufferedReader:
    """A zip member's bytes as a stream that refuses to inflate past MAX_UNZIPPED."""
    return io.BufferedReader(_Capped(book.open(name)), _CHUNK)


class _Capped(io.RawIOBase):
    def __init__(self, inner: IO[bytes]) -> None:
        self.inner, self.count = inner, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.inner.read(min(len(buffer), _CHUNK))
        self.count += len(chunk)
        if self.count > MAX_UNZIPPED:
            raise ValidationFailed("Tệp nén bất thường: nội dung giải nén quá lớn.")
        buffer[: len(chunk)] = chunk
        return len(chunk)


# --- XLSX -----------------------------------------------------------------------------------------------------

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R = rb"""\br\s*=\s*["']"""  # XML lets the quotes be either kind, with spaces around `=`
_ROW_NUMBER = re.compile(_R + rb"(\d+)[\"']")
_CELL_REF = re.compile(_R + rb"([A-Za-z]{1,3})(\d+)[\"']")
_HAS_R = re.compile(_R)
_CELL_WITH_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?" + _R + rb"([A-Za-z]{1,3})(\d+)[\"']")
_CELL_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_PLAIN_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')


def _first_sheet(book: zipfile.ZipFile) -> str:
    """The part of the first sheet in the workbook's order (what calamine's sheet 0 is)."""
    names = set(book.namelist())
    workbook = book.read("xl/workbook.xml")[: 4 << 20]
    rels = book.read("xl/_rels/workbook.xml.rels")[: 4 << 20] if "xl/_rels/workbook.xml.rels" in names else b""
    first = re.search(rb"<(?:\w+:)?sheet\b[^>]*\br:id=\"([^\"]+)\"", workbook) or re.search(
        rb"<(?:\w+:)?sheet\b[^>]*\bid=\"([^\"]+)\"", workbook
    )
    if first:
        for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
            tag = rel.group(0)
            if re.search(rb'\bId="' + re.escape(first.group(1)) + rb'"', tag):
                target = re.search(rb'\bTarget="([^"]+)"', tag)
                if target:
                    path = target.group(1).decode().lstrip("/")
                    path = path if path.startswith("xl/") else "xl/" + path
                    if path in names:
                        return path
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not sheets:
        raise ValidationFailed("Tệp không có trang tính nào.")
    return sheets[0]


def _xlsx(data: bytes) -> Extent:
    book = zipfile.ZipFile(io.BytesIO(data))
    if "xl/workbook.bin" in book.namelist():
        raise ValidationFailed("Tệp .xlsb (Excel nhị phân) chưa được hỗ trợ: hãy lưu lại dạng .xlsx rồi tải lên.")
    sheet = _first_sheet(book)
    for member in book.infolist():  # calamine inflates the shared strings and styles too
        if member.filename != sheet and member.filename.endswith(".xml"):
            with _inflated(book, member.filename) as stream:
                while stream.read(_CHUNK):
                    pass
    box, tail = _Box(), b""
    with _inflated(book, sheet) as stream:
        while chunk := stream.read(_CHUNK):
            text = tail + chunk
            cut = text.rfind(b"<")  # a tag may straddle two chunks: the last one waits for the next chunk
            text, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            if not _refs(text, box):
                return _xlsx_walk(book, sheet)
    return box.extent() if _refs(tail, box) else _xlsx_walk(book, sheet)


def _refs(text: bytes, box: _Box) -> bool:
    """The common case, at the regex engine's speed: every cell names its place (`r="AB12"`). Cells left empty
    by a writer (`<c r="Z9" s="1"/>`) are counted too, which only overstates. False when some cell has no `r`.

    What Excel, LibreOffice and openpyxl write — `<c r="…"` first, double quotes, no prefix — is matched by the
    simplest pattern and the cells counted by `bytes.count` (issue #18: this measure took as long as calamine's
    read); anything else by the general patterns."""
    if b":c" not in text:  # no namespace prefix on a cell
        refs = _PLAIN_REF.findall(text)
        if len(refs) == text.count(b"<c ") + text.count(b"<c>") + text.count(b"<c/"):
            _add(box, refs)
            return True
    refs = _CELL_WITH_REF.findall(text)
    if len(refs) != len(_CELL_OPEN.findall(text)):
        return False
    _add(box, refs)
    return True


def _add(box: _Box, refs: list[tuple[bytes, bytes]]) -> None:
    """The farthest row and column of `refs` (each distinct one compared once: rows repeat per cell)."""
    if refs:
        columns, rows = zip(*refs, strict=True)
        letters = max({c.upper() for c in set(columns)}, key=lambda c: (len(c), c))
        box.add(max(map(int, set(rows))) - 1, _column(letters))


def _xlsx_walk(book: zipfile.ZipFile, sheet: str) -> Extent:
    """Some writers leave `r` out: each cell then follows the previous one, and every tag must be walked."""
    box, row, col, tail = _Box(), -1, -1, b""
    with _inflated(book, sheet) as stream:
        while chunk := stream.read(_CHUNK):
            text = tail + chunk
            cut = text.rfind(b"<")
            text, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            row, col = _scan(text, box, row, col)
    _scan(tail, box, row, col)
    return box.extent()


def _scan(text: bytes, box: _Box, row: int, col: int) -> tuple[int, int]:
    for tag in _TAG.finditer(text):
        attributes = tag.group(2)
        if tag.group(1) == b"row":
            number = _ROW_NUMBER.search(attributes)
            _refuse_unreadable(number, attributes)
            row, col = (int(number.group(1)) - 1 if number else row + 1), -1
            continue
        ref = _CELL_REF.search(attributes)
        _refuse_unreadable(ref, attributes)
        if ref:
            col, row = _column(ref.group(1)), int(ref.group(2)) - 1
        else:
            col += 1
        if not attributes.rstrip().endswith(b"/"):  # `<c r="Z9" s="1"/>` holds no value
            box.add(max(row, 0), col)
    return row, col


def _refuse_unreadable(found: re.Match[bytes] | None, attributes: bytes) -> None:
    """An `r` this scanner cannot read (escaped, odd) would make its measure a guess: the file is refused."""
    if found is None and _HAS_R.search(attributes):
        raise ValidationFailed("Tệp có ô ghi vị trí không đọc được: hãy mở bằng Excel rồi lưu lại.")


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number - 1


# --- ODS ------------------------------------------------------------------------------------------------------

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_VALUE_TYPE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"


def _ods(data: bytes) -> Extent:
    """defusedxml's `iterparse` (no DTD, no entities); every row and cell is cleared once counted."""
    from defusedxml.ElementTree import iterparse

    book = zipfile.ZipFile(io.BytesIO(data))
    box, row, col, repeat_rows, tables = _Box(), 0, 0, 1, 0
    with _inflated(book, "content.xml") as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == _T + "table":
                tables += event == "start"
                if event == "end" and tables == 1:
                    break  # the first table is the first sheet
            elif tables != 1:
                continue
            elif tag == _T + "table-row" and event == "start":
                repeat_rows, col = int(element.get(_T + "number-rows-repeated", "1")), 0
            elif tag == _T + "table-row":
                row += repeat_rows
                element.clear()
            elif tag in (_T + "table-cell", _T + "covered-table-cell") and event == "end":
                repeat_cols = int(element.get(_T + "number-columns-repeated", "1"))
                if element.get(_VALUE_TYPE) or len(element) or (element.text or "").strip():
                    box.add(row, col, repeat_rows, repeat_cols)
                col += repeat_cols
                element.clear()
    return box.extent()


# --- XLS ------------------------------------------------------------------------------------------------------

_CELL_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6}  # number, RK, string, label, formula…
_MULRK = 0x00BD
_BOF, _EOF = 0x0809, 0x000A


def _xls(data: bytes) -> Extent:
    """Every worksheet substream is measured and the largest kept: which one calamine calls the first is decided
    by the workbook's sheet list, which a hostile file may point anywhere. Substreams nest (a chart inside a
    sheet has its own BOF…EOF), so depth is tracked."""
    import olefile  # only for .xls, the one format that is not a zip

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        name = "Workbook" if ole.exists("Workbook") else "Book"
        if not ole.exists(name):
            raise ValidationFailed("Tệp .xls không có bảng tính (Workbook).")
        stream = ole.openstream(name).read()
    boxes: list[_Box] = []
    position, depth = 0, 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4 : position + 4 + length]
        position += 4 + length
        if kind == _BOF:
            depth += 1
            if depth == 1:
                boxes.append(_Box())
        elif kind == _EOF:
            depth = max(depth - 1, 0)
        elif boxes and kind in _CELL_RECORDS and len(body) >= 4:
            boxes[-1].add(*struct.unpack_from("<HH", body))
        elif boxes and kind == _MULRK and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            boxes[-1].add(row, first, 1, max(last - first + 1, 1))
    return max((b.extent() for b in boxes), key=lambda e: e.cells, default=Extent())
