"""Channel credentials, encrypted at rest with Fernet.

Keys come from CREDENTIALS_KEYS (comma-separated, newest first). MultiFernet decrypts with any of
them and encrypts with the first, so rotating is: put a new key first, run
`manage.py rotate_channel_credentials`, then drop the old key.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables


class CredentialsUnreadable(Exception):
    pass


@sensitive_variables()
def _fernet() -> MultiFernet:
    keys = settings.CREDENTIALS_KEYS
    if not keys:
        raise ImproperlyConfigured(
            "CREDENTIALS_KEYS is not set: generate one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
        )
    return MultiFernet([Fernet(key) for key in keys])


@sensitive_variables()
def encrypt_credentials(values: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


@sensitive_variables()
def decrypt_credentials(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable(
            "The stored credentials cannot be decrypted with the current CREDENTIALS_KEYS "
            "(was a key removed too early?). Reconnect the channel."
        ) from None


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode()).decode() if token else token
