"""Encryption at rest for personal identifiers (ID numbers used as tax codes, later the registry's ID numbers).

Keys come from `PHOCAP_FIELD_KEYS` (comma-separated, newest first; any string, stretched with SHA-256). Values are
sealed with AES-256-GCM (`cryptography`'s AEAD: a random 96-bit nonce per value, the tag authenticating it), as
`v2:` + base64url(key id · nonce · ciphertext · tag): one C call per value, ten times faster than Fernet's
AES-CBC + HMAC, which is what an import of 100,000 people spent most of its encryption time in (issue #18).
Values written before that are Fernet tokens and still decrypt (`gAAAA…`); rotation rewrites them in the new form.
Rotation: put the new key first; values sealed with older keys still open (the key id says which key). Random
nonces are safe far beyond a national registry (NIST's bound is 2³² values per key). Development and tests derive
one key from the secret key; production refuses to start without real field keys (config.env).
A keyed hash (`blind_index`) lets us look a value up without decrypting every row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


@lru_cache(maxsize=4)
def _keys(raw: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in raw])


@dataclass(frozen=True)
class _Sealers:
    newest: tuple[bytes, AESGCM]  # (key id, cipher) that seals
    by_id: dict[bytes, AESGCM]  # every configured key, by its id, that opens


@lru_cache(maxsize=4)
def _sealers(raw: tuple[str, ...]) -> _Sealers:
    pairs = [
        (
            hashlib.sha256(b"phocap-field-key-id\x00" + k.encode()).digest()[:4],
            AESGCM(hashlib.sha256(b"phocap-field-aesgcm\x00" + k.encode()).digest()),
        )
        for k in raw
    ]
    return _Sealers(pairs[0], dict(reversed(pairs)))


def _secrets() -> tuple[str, ...]:
    keys = tuple(settings.PHOCAP_FIELD_KEYS) or ("dev-field-key:" + settings.SECRET_KEY,)
    return keys


TEXT_PREFIX = "v2:"
BYTES_PREFIX = b"PHv2"
_UNKNOWN_KEY = "cannot decrypt: unknown field key (PHOCAP_FIELD_KEYS)"


def _seal(data: bytes) -> bytes:
    key_id, cipher = _sealers(_secrets()).newest
    nonce = os.urandom(12)
    return key_id + nonce + cipher.encrypt(nonce, data, None)


def _open(sealed: bytes) -> bytes:
    cipher = _sealers(_secrets()).by_id.get(sealed[:4])
    if cipher is None:
        raise ValueError(_UNKNOWN_KEY)
    try:
        return cipher.decrypt(sealed[4:16], sealed[16:], None)
    except InvalidTag:
        raise ValueError(_UNKNOWN_KEY) from None


def encrypt(value: str) -> str:
    return TEXT_PREFIX + base64.urlsafe_b64encode(_seal(value.encode())).decode()


def encrypt_many(values: list[str]) -> list[str]:
    """`encrypt` of each value ("" stays ""), the key looked up once: what the importers call for a chunk."""
    key_id, cipher = _sealers(_secrets()).newest
    b64, urandom = base64.urlsafe_b64encode, os.urandom
    out = []
    for value in values:
        if value:
            nonce = urandom(12)
            value = TEXT_PREFIX + b64(key_id + nonce + cipher.encrypt(nonce, value.encode(), None)).decode()
        out.append(value)
    return out


def decrypt(token: str) -> str:
    if token.startswith(TEXT_PREFIX):
        try:
            sealed = base64.urlsafe_b64decode(token[len(TEXT_PREFIX) :])
        except ValueError:
            raise ValueError(_UNKNOWN_KEY) from None
        return _open(sealed).decode()
    try:
        return _keys(_secrets()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError(_UNKNOWN_KEY) from None


def encrypt_bytes(data: bytes) -> bytes:
    return BYTES_PREFIX + _seal(data)


def decrypt_bytes(token: bytes) -> bytes:
    if token.startswith(BYTES_PREFIX):
        return _open(token[len(BYTES_PREFIX) :])
    try:
        return _keys(_secrets()).decrypt(token)
    except InvalidToken:
        raise ValueError(_UNKNOWN_KEY) from None


@lru_cache(maxsize=4)
def _hmac_key(secret: str) -> bytes:
    return hashlib.sha256(("blind-index:" + secret).encode()).digest()


def blind_index(value: str) -> str:
    """Deterministic keyed hash (HMAC-SHA256 under PHOCAP_HMAC_KEY, separate from the encryption keys), for
    exact lookups and duplicate detection on an encrypted value."""
    return hmac.digest(_hmac_key(settings.PHOCAP_HMAC_KEY), value.encode(), "sha256").hex()


def blind_indexes(values: list[str]) -> list[str]:
    """`blind_index` of each value, the key looked up once (an import's chunk)."""
    key, digest = _hmac_key(settings.PHOCAP_HMAC_KEY), hmac.digest
    return [digest(key, value.encode(), "sha256").hex() for value in values]


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
