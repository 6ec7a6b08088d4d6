"""A crawler for privacy checks: as one signed-in user, open every page reachable by links and forms' GET targets
from the home page, every download they link to (CSV, XLSX, PDF — read as text), and every GET operation of the
API's OpenAPI document with its path filled from what the pages showed; then look for the seeded people's
personal data in all of it."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

SKIP = ("/accounts/logout", "/i18n/", "/admin/", "/api/v1/docs", "/static/")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "form" and (values.get("method") or "get").lower() == "get" and values.get("action"):
            self.links.append(values["action"] or "")


def text_of(response: Any) -> str:
    """What a person could read in the response: the page, or the text inside a CSV, XLSX or PDF."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))
    if body[:4] == b"%PDF":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if kind.startswith("image/"):
        return ""
    return body.decode("utf-8", "replace")


@dataclasses.dataclass
class Crawl:
    texts: dict[str, str] = dataclasses.field(default_factory=dict)
    statuses: dict[str, int] = dataclasses.field(default_factory=dict)


def crawl(
    client: Any, *, start: Iterable[str] = ("/",), limit: int = 600, headers: dict[str, str] | None = None
) -> Crawl:
    seen: Crawl = Crawl()
    queue = list(start)
    per_shape: dict[str, int] = {}
    while queue and len(seen.texts) < limit:
        url = queue.pop(0)
        if url in seen.texts or url.startswith(SKIP):
            continue
        shape = re.sub(r"\d+", "N", url.split("?")[0]) + ("?" if "?" in url else "")
        per_shape[shape] = per_shape.get(shape, 0) + 1
        if per_shape[shape] > 4:  # the fifth resident page tells nothing the first four did not
            continue
        response = client.get(url, headers=headers or {})
        seen.statuses[url] = response.status_code
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        text = text_of(response) if response.status_code == 200 else ""
        seen.texts[url] = text
        if "text/html" in response.get("Content-Type", ""):
            parser = _Links()
            parser.feed(text)
            for link in parser.links:
                full = urljoin(url, link)
                parts = urlsplit(full)
                if parts.netloc in ("", "testserver") and not full.startswith(("mailto:", "tel:")):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def api_gets(document: dict[str, Any], values: dict[str, list[str]]) -> list[str]:
    """Every GET path of the OpenAPI document, its parameters filled with each known value (ids seen on pages)."""
    paths = []
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        names = re.findall(r"{(\w+)}", path)
        filled = [path]
        for name in names:
            options = values.get(name, ["1"])
            filled = [p.replace("{" + name + "}", v) for p in filled for v in options]
        paths += filled
    return paths


def leaks(seen: Crawl, secrets: dict[str, str]) -> list[tuple[str, str, str]]:
    """(url, what, value) for every secret found in a response."""
    found = []
    for url, text in seen.texts.items():
        flat = " ".join(text.split())
        for value, what in secrets.items():
            if value and value in flat:
                found.append((url, what, value))
    return found
