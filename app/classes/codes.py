"""Class codes and teacher keys.

A code is what students type or scan: 6 characters from an alphabet without the look-alikes
0/O, 1/I/L (31 symbols, about 8.9·10⁸ codes), upper case, though typed lower case is accepted.
The teacher key is the only secret: 24 random bytes (192 bits) as URL-safe text, given once to
the teacher and stored only as its SHA-256 digest, compared in constant time.

>>> len(new_code()), set(new_code()) <= set(ALPHABET)
(6, True)
>>> key = new_key(); key_matches(key_digest(key), key), key_matches(key_digest(key), key + "x")
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0, O, 1, I, L
CODE_LENGTH = 6
KEY_BYTES = 24  # 192 bits (≥ 128)
CODE_PATTERN = re.compile(rf"^[{ALPHABET}{ALPHABET.lower()}]{{{CODE_LENGTH}}}$")
CODE_SCHEMA_PATTERN = CODE_PATTERN.pattern  # the OpenAPI path parameter's pattern


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str | None:
    """The code in upper case, or None when it cannot be a class code (wrong length or a look-alike)."""
    return code.upper() if isinstance(code, str) and CODE_PATTERN.fullmatch(code) else None


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_matches(digest: str, key: str | None) -> bool:
    """Whether ``key`` is the key whose digest is stored, in time independent of where they differ."""
    if not key:
        return False
    return hmac.compare_digest(digest.encode(), key_digest(key).encode())
