"""Files kept between two steps of one piece of work: a list checked before it is imported, a statement imported in
the background. Named by their SHA-256 (the same file kept twice is one file), under `PHOCAP_UPLOAD_DIR`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

from phocap.core.errors import NotFound, TooLarge


def check_size(size: int, filename: str = "") -> None:
    """The one upload limit, `PHOCAP_MAX_UPLOAD_MB`: refused before the file is read any further."""
    limit = settings.PHOCAP_MAX_UPLOAD_BYTES
    if size > limit:
        name = f"Tệp {filename}" if filename else "Tệp"
        raise TooLarge(
            f"{name} nặng {_megabytes(size)} MB, vượt giới hạn {_megabytes(limit)} MB. "
            "Hãy chia tệp thành nhiều phần (ví dụ theo thôn hoặc theo tháng) rồi tải lên từng phần."
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",")


def keep(data: bytes, filename: str) -> Path:
    """Store the file; returns where (its stem is the digest the next step names it by)."""
    check_size(len(data), filename)
    folder = Path(settings.PHOCAP_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()}{Path(filename).suffix.lower()[:8]}"
    path.write_bytes(data)
    return path


def kept(digest: str) -> Path:
    """A kept file by its digest; anything else (a malformed digest, a file not kept) is not found."""
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise NotFound("Không tìm thấy tệp.")
    matches = list(Path(settings.PHOCAP_UPLOAD_DIR).glob(f"{digest}.*"))
    if not matches:
        raise NotFound("Không tìm thấy tệp.")
    return matches[0]
