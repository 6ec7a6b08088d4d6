"""Files kept between two steps of one piece of work: a list checked before it is written, a statement imported in
the background. Each is a `KeptFile` row with a random token; its bytes are on disk under `PHOCAP_UPLOAD_DIR`,
encrypted with the field keys (`core.crypto`), readable by the service's user only (0600). Nothing is kept
longer than the work needs: `discard` when it is done, `purge_expired` after `PHOCAP_UPLOAD_RETENTION_HOURS`,
`discard_commune` when a person of the commune is erased. Who may fetch a kept file is the caller's rule
(`kept` gives it to its owner only)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from phocap.core import crypto
from phocap.core.errors import NotFound, TooLarge
from phocap.core.models import KeptFile


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


def _folder() -> Path:
    folder = Path(settings.PHOCAP_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(kept_file: KeptFile) -> Path:
    return _folder() / f"{kept_file.token}.enc"


def keep(
    data: bytes,
    filename: str,
    *,
    actor: Any,
    purpose: str,
    programme_code: str = "",
    commune_code: str = "",
) -> KeptFile:
    """Store the file encrypted; the row's token is what the next step names it by."""
    check_size(len(data), filename)
    purge_expired()
    hours = settings.PHOCAP_UPLOAD_RETENTION_HOURS
    row = KeptFile.objects.create(
        token=secrets.token_urlsafe(32),
        purpose=purpose,
        filename=Path(filename).name[:255] or "tep",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        owner=actor if getattr(actor, "pk", None) else None,
        programme_code=programme_code,
        commune_code=commune_code or "",
        expires_at=timezone.now() + dt.timedelta(hours=hours),
    )
    descriptor = os.open(_path(row), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(crypto.encrypt_bytes(data))
    return row


def kept(token: str, *, actor: Any = None, any_owner: bool = False) -> KeptFile:
    """A kept file by its token, to its owner (or, `any_owner`, to a background task acting for the owner).
    Anything else — a malformed token, an expired or discarded file, someone else's — is not found."""
    if not token or len(token) > 64:
        raise NotFound("Không tìm thấy tệp.")
    row = KeptFile.objects.filter(token=token, expires_at__gt=timezone.now()).first()
    if row is None or not _path(row).exists():
        raise NotFound("Không tìm thấy tệp (tệp tạm chỉ được giữ trong thời gian ngắn; hãy tải lên lại).")
    if not any_owner and (row.owner_id is None or row.owner_id != getattr(actor, "pk", None)):
        raise NotFound("Không tìm thấy tệp.")
    return row


def read(row: KeptFile) -> bytes:
    return crypto.decrypt_bytes(_path(row).read_bytes())


def discard(row: KeptFile) -> None:
    _path(row).unlink(missing_ok=True)
    row.delete()


def discard_commune(programme_code: str, commune_code: str) -> int:
    """A person erased: every kept file of their commune goes (it may name them); also files without a commune."""
    rows = KeptFile.objects.filter(programme_code=programme_code, commune_code__in=[commune_code, ""])
    return _discard_all(rows)


def purge_expired(now: dt.datetime | None = None) -> int:
    """Files past their retention; run on every new upload and when a worker starts."""
    return _discard_all(KeptFile.objects.filter(expires_at__lte=now or timezone.now()))


def _discard_all(rows: Any) -> int:
    count = 0
    for row in list(rows):
        discard(row)
        count += 1
    return count
