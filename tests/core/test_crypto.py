"""Field encryption (issue #18): AES-GCM seals new values, Fernet tokens written before still open, a wrong or
missing key never yields a value, and the keyed hash is the same function as before."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet

from phocap.core import crypto


def test_new_values_are_sealed_with_aes_gcm_and_open_again(settings):
    settings.PHOCAP_FIELD_KEYS = ["khoa-moi"]
    token = crypto.encrypt("006123456757")
    assert token.startswith("v2:")
    assert crypto.decrypt(token) == "006123456757"
    assert crypto.encrypt("006123456757") != token  # a fresh nonce each time
    assert crypto.encrypt_many(["006123456757", "", "123456789"])[1] == ""
    assert [crypto.decrypt(t) for t in crypto.encrypt_many(["006123456757", "123456789"])] == [
        "006123456757",
        "123456789",
    ]


def test_fernet_tokens_written_before_still_open(settings):
    settings.PHOCAP_FIELD_KEYS = ["khoa-cu"]
    key = base64.urlsafe_b64encode(hashlib.sha256(b"khoa-cu").digest())
    old = Fernet(key).encrypt(b"006123456757").decode()
    assert crypto.decrypt(old) == "006123456757"
    assert crypto.decrypt_bytes(Fernet(key).encrypt(b"%PDF")) == b"%PDF"


def test_rotation_keeps_old_keys_readable_and_a_missing_key_refuses(settings):
    settings.PHOCAP_FIELD_KEYS = ["khoa-cu"]
    sealed, blob = crypto.encrypt("006123456757"), crypto.encrypt_bytes(b"list")
    settings.PHOCAP_FIELD_KEYS = ["khoa-moi", "khoa-cu"]
    assert crypto.decrypt(sealed) == "006123456757"
    assert crypto.decrypt_bytes(blob) == b"list"
    resealed = crypto.encrypt("006123456757")
    settings.PHOCAP_FIELD_KEYS = ["khoa-moi"]
    assert crypto.decrypt(resealed) == "006123456757"
    with pytest.raises(ValueError, match="unknown field key"):
        crypto.decrypt(sealed)
    with pytest.raises(ValueError, match="unknown field key"):
        crypto.decrypt_bytes(blob)


def test_a_tampered_value_does_not_open(settings):
    settings.PHOCAP_FIELD_KEYS = ["khoa"]
    raw = bytearray(base64.urlsafe_b64decode(crypto.encrypt("006123456757")[3:]))
    raw[-1] ^= 1
    with pytest.raises(ValueError, match="unknown field key"):
        crypto.decrypt("v2:" + base64.urlsafe_b64encode(bytes(raw)).decode())
    with pytest.raises(ValueError, match="unknown field key"):
        crypto.decrypt("v2:***")


def test_the_keyed_hash_is_hmac_sha256_under_the_derived_key(settings):
    settings.PHOCAP_HMAC_KEY = "k" * 40
    key = hashlib.sha256(("blind-index:" + "k" * 40).encode()).digest()
    assert crypto.blind_index("006123456757") == hmac.new(key, b"006123456757", hashlib.sha256).hexdigest()
