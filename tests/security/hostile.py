"""Spreadsheets as an attacker (or a very careless clerk) sends them: each builder returns (file name, bytes,
what must happen). `refused` files must be refused with a Vietnamese message in bounded time and memory;
`read` files are ugly but real and must be read."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

REFUSED, READ = "refused", "read"
BOMB_MB = 300  # inflated: over sheetsize.MAX_UNZIPPED (256 MiB), from a file of a few hundred kilobytes
Hostile = tuple[str, bytes, str]


def xlsx(cells: dict[str, object]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for ref, value in cells.items():
        book.active[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_raw(sheet_data: str, *, shared: str | None = None) -> bytes:
    """An XLSX written by hand, its sheet's `<sheetData>` as given (what no library would write)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="S1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        book.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{sheet_data}</sheetData></worksheet>",
        )
        if shared is not None:
            book.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


def ods(table: str, *, prolog: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.'
            'opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>',
        )
        book.writestr(
            "content.xml",
            f'<?xml version="1.0"?>{prolog}<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
            'xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
            f'<table:table table:name="S1">{table}</table:table></office:spreadsheet></office:body>'
            "</office:document-content>",
        )
    return out.getvalue()


def xls(cells: dict[tuple[int, int], object], *, patch: tuple[bytes, bytes] | None = None) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("S1")
    for (row, col), value in cells.items():
        sheet.write(row, col, value)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if patch:  # rewrite a cell record's place beyond what xlwt allows (the bytes sit in the OLE file as they are)
        assert data.count(patch[0]) == 1
        data = data.replace(*patch)
    return data


def bomb_xlsx(inflated_mb: int) -> bytes:
    """A small zip whose shared strings inflate to `inflated_mb` MB."""
    out = io.BytesIO()
    filler = b"<si><t>" + b"A" * (1024 * 1024 - 15) + b"</t></si>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        source = zipfile.ZipFile(io.BytesIO(xlsx_raw('<row r="1"><c r="A1"><v>1</v></c></row>')))
        for name in source.namelist():
            book.writestr(name, source.read(name))
        with book.open("xl/sharedStrings.xml", "w") as shared:
            shared.write(
                b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for _ in range(inflated_mb):
                shared.write(filler)
            shared.write(b"</sst>")
    return out.getvalue()


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
CELL = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'


def catalogue() -> list[Hostile]:
    """Every file tried against `read_rows` (and so against every importer). Named for the failure they seek."""
    files: list[tuple[str, Callable[[], bytes], str]] = [
        ("corners.xlsx", lambda: xlsx({"A1": "Họ tên", "XFD1048576": "x"}), REFUSED),
        ("corners-no-extension", lambda: xlsx({"A1": "Họ tên", "XFD1048576": "x"}), REFUSED),
        ("corners-named-csv.csv", lambda: xlsx({"A1": "Họ tên", "XFD1048576": "x"}), REFUSED),
        ("far-column.xlsx", lambda: xlsx({"A1": "Họ tên", "XFD400": "x"}), REFUSED),
        ("far-row.xlsx", lambda: xlsx({"A1": "Họ tên", "F1048576": "x"}), REFUSED),
        ("styled-ghost-cells.xlsx", lambda: xlsx({"A1": "Họ tên", "B2": 1, "Z5000": None}), READ),
        (
            "cells-without-r.xlsx",
            lambda: xlsx_raw('<row r="1"><c><v>1</v></c></row><row r="1048576">' + "<c><v>1</v></c>" * 20 + "</row>"),
            REFUSED,
        ),
        (
            "single-quoted-r.xlsx",
            lambda: xlsx_raw("<row r='1'><c r='A1'><v>1</v></c><c r='XFD1048576'><v>2</v></c></row>"),
            REFUSED,
        ),
        (
            "spaced-r.xlsx",
            lambda: xlsx_raw('<row r="1"><c r = "A1"><v>1</v></c><c s="0" r ="XFD9000"><v>2</v></c></row>'),
            REFUSED,
        ),
        ("escaped-r.xlsx", lambda: xlsx_raw('<row r="1"><c r="&#88;FD1048576"><v>1</v></c></row>'), REFUSED),
        (
            "prefixed-tags.xlsx",
            lambda: xlsx_raw(
                '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="XFD1048576"><x:v>2</x:v></x:c></x:row>'
            ),
            REFUSED,
        ),
        (
            "rows-out-of-order.xlsx",
            lambda: xlsx_raw(
                '<row r="1048576"><c r="ZZ1048576"><v>1</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>'
            ),
            REFUSED,
        ),
        ("zip-bomb.xlsx", lambda: bomb_xlsx(BOMB_MB), REFUSED),
        ("not-a-zip.xlsx", lambda: b"PK\x03\x04" + b"\x00" * 200, REFUSED),
        ("random-bytes.xlsx", lambda: bytes(range(256)) * 40, REFUSED),
        ("empty.xlsx", lambda: b"", REFUSED),
        (
            "xlsb-in-disguise.xlsx",
            lambda: _zip({"xl/workbook.bin": b"\x00" * 10, "[Content_Types].xml": b"<Types/>"}),
            REFUSED,
        ),
        (
            "ods-repeated-block.ods",
            lambda: ods(
                '<table:table-row table:number-rows-repeated="100000">'
                '<table:table-cell table:number-columns-repeated="1000" '
                'office:value-type="string"><text:p>x</text:p></table:table-cell>'
                "</table:table-row>"
            ),
            REFUSED,
        ),
        (
            "ods-libreoffice-tail.ods",
            lambda: ods(
                "<table:table-row>"
                + CELL.format("Họ tên")
                + CELL.format("Năm sinh")
                + '<table:table-cell table:number-columns-repeated="1022"/></table:table-row>'
                '<table:table-row table:number-rows-repeated="1048574">'
                '<table:table-cell table:number-columns-repeated="1024"/>'
                "</table:table-row>"
            ),
            READ,
        ),
        (
            "ods-billion-laughs.ods",
            lambda: ods("<table:table-row>" + CELL.format("&lol3;") + "</table:table-row>", prolog=LAUGHS),
            REFUSED,
        ),
        (
            "ods-external-entity.ods",
            lambda: ods(
                "<table:table-row>" + CELL.format("&x;") + "</table:table-row>",
                prolog='<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            ),
            REFUSED,
        ),
        ("xls-corners.xls", lambda: xls({(0, 0): "Họ tên", (65535, 255): "x"}), REFUSED),
        (
            "xls-beyond-biff.xls",
            lambda: xls(
                {(0, 0): "Họ tên", (1, 1): 7.123456789},
                patch=(b"\x03\x02\x0e\x00\x01\x00\x01\x00", b"\x03\x02\x0e\x00\xff\xff\xff\xff"),
            ),
            REFUSED,
        ),
        ("xls-small.xls", lambda: xls({(0, 0): "Họ tên", (3, 2): 1975}), READ),
        ("ole-without-workbook.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, REFUSED),
        ("csv-wide-row.csv", lambda: b"a" + b"," * 5_100_000, REFUSED),
        ("csv-nul-bytes.csv", lambda: b"Ho ten,Nam sinh\n\x00\x00,\x00\n", READ),
    ]
    return [(name, build(), outcome) for name, build, outcome in files]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for name, body in members.items():
            book.writestr(name, body)
    return out.getvalue()
