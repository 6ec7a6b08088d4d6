"""Encryption at rest for personal identifiers (ID numbers used as tax codes, later the registry's ID numbers).

Keys come from `PHOCAP_FIELD_KEYS` (comma-separated, newest first; any string, stretched with SHA-256 into a
Fernet key). Rotation: put the new key first; values encrypted with older keys still decrypt. Development and
tests derive one key from the secret key; production refuses to start without real field keys (config.env).
A keyed hash (`blind_index`) lets us look a value up without decrypting every row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


@lru_cache(maxsize=4)
def _keys(raw: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in raw])


def _secrets() -> tuple[str, ...]:
    keys = tuple(settings.PHOCAP_FIELD_KEYS) or ("dev-field-key:" + settings.SECRET_KEY,)
    return keys


def encrypt(value: str) -> str:
    return _keys(_secrets()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys(_secrets()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: unknown field key (PHOCAP_FIELD_KEYS)") from None


def encrypt_bytes(data: bytes) -> bytes:
    return _keys(_secrets()).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _keys(_secrets()).decrypt(token)
    except InvalidToken:
        raise ValueError("cannot decrypt: unknown field key (PHOCAP_FIELD_KEYS)") from None


def blind_index(value: str) -> str:
    """Deterministic keyed hash (HMAC-SHA256 under PHOCAP_HMAC_KEY, separate from the encryption keys), for
    exact lookups and duplicate detection on an encrypted value."""
    key = hashlib.sha256(("blind-index:" + settings.PHOCAP_HMAC_KEY).encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def rotate(model: type[models.Model], field: str, *, batch_size: int = 1000) -> int:
    """Re-encrypt every value of `field` with the newest key (put the new key first in PHOCAP_FIELD_KEYS,
    run this, then drop the old key): reading decrypts with whichever key fits, saving encrypts with the first.
    Returns how many rows were rewritten. Runs inside the caller's transaction."""
    count = 0
    for obj in model._default_manager.exclude(**{field: ""}).iterator(chunk_size=batch_size):
        obj.save(update_fields=[field])
        count += 1
    return count


def rotate_all() -> dict[str, int]:
    """Every `EncryptedTextField` of every installed model, found through the app registry (so no app has to
    list another's fields): {"app_label.model": rows rewritten}."""
    from django.apps import apps

    counts: dict[str, int] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                label = model._meta.label_lower
                counts[label] = counts.get(label, 0) + rotate(model, field.attname)
    return counts


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Stores ciphertext; Python sees plaintext. Not searchable (use a blind index beside it)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return encrypt(str(value))
