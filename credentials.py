"""Encryption of platform credentials at rest, and their masking for display.

Credentials are stored as one Fernet token per account holding a JSON object. Several
keys may be configured: the first encrypts, all of them decrypt, so a key is rotated by
putting a new key first and running ``flask --app wsgi rotate-credentials``.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

MASK = "••••"


UNREADABLE = (
    "The stored credentials cannot be decrypted with any key in CREDENTIALS_KEY; "
    "restore the key they were written with."
)


class CredentialsError(Exception):
    """Stored credentials cannot be decrypted with any configured key."""


class CredentialCipher:
    def __init__(self, keys):
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, values):
        return self._fernet.encrypt(
            json.dumps(values, sort_keys=True).encode()
        ).decode()

    def decrypt(self, token):
        if not token:
            return {}
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise CredentialsError(UNREADABLE) from None

    def rotate(self, token):
        """Re-encrypt ``token`` under the first configured key."""
        if not token:
            return token
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise CredentialsError(UNREADABLE) from None


def init_app(app):
    app.extensions["credential_cipher"] = CredentialCipher(
        app.config["CREDENTIALS_KEYS"]
    )


def cipher():
    return current_app.extensions["credential_cipher"]


def mask(secret):
    """Show at most the last four characters of ``secret``, and none of a short one."""
    if not secret:
        return ""
    secret = str(secret)
    if len(secret) < 12:
        return MASK
    return MASK + secret[-4:]
