"""Credentials at rest: Fernet encryption, key rotation and masking."""

import pytest
from sqlalchemy import select, text

import credentials
from credentials import CredentialCipher, CredentialsError
from extensions import db
from models import EcAccount
from tests import factories
from tests.conftest import (
    CREDENTIALS_KEY,
    OTHER_CREDENTIALS_KEY,
    run_cli,
)

VALUES = {"shop": "tokyo.myshopify.com", "access_token": "shpat_0123456789abcdef"}


def test_encrypted_credentials_decrypt_to_the_same_values():
    cipher = CredentialCipher([CREDENTIALS_KEY])

    token = cipher.encrypt(VALUES)

    assert "shpat_0123456789abcdef" not in token
    assert cipher.decrypt(token) == VALUES


def test_no_stored_credentials_read_as_empty():
    assert CredentialCipher([CREDENTIALS_KEY]).decrypt(None) == {}


def test_credentials_under_an_unknown_key_are_refused_with_a_sentence():
    token = CredentialCipher([OTHER_CREDENTIALS_KEY]).encrypt(VALUES)

    with pytest.raises(
        CredentialsError, match="restore the key they were written with"
    ):
        CredentialCipher([CREDENTIALS_KEY]).decrypt(token)


def test_old_key_second_in_the_list_still_decrypts():
    old_token = CredentialCipher([OTHER_CREDENTIALS_KEY]).encrypt(VALUES)

    rotated = CredentialCipher([CREDENTIALS_KEY, OTHER_CREDENTIALS_KEY])

    assert rotated.decrypt(old_token) == VALUES
    # new writes use the first key only
    assert (
        CredentialCipher([CREDENTIALS_KEY]).decrypt(rotated.encrypt(VALUES)) == VALUES
    )


def test_rotate_credentials_lets_the_old_key_be_dropped(make_app, backend):
    # accounts written while the old key was the only one
    old_app = make_app(CREDENTIALS_KEYS=[OTHER_CREDENTIALS_KEY])
    with old_app.app_context():
        stored = {
            factories.account("shopify").id: None,
            factories.account("woocommerce").id: None,
        }
        for account in db.session.scalars(select(EcAccount)):
            stored[account.id] = account.read_credentials()

    # the new key goes first, the old one stays to read what is stored
    both = make_app(CREDENTIALS_KEYS=[CREDENTIALS_KEY, OTHER_CREDENTIALS_KEY])
    result = run_cli(both, "rotate-credentials")
    assert result.exit_code == 0, result.output
    assert "Re-encrypted the credentials of 2 accounts." in result.output

    # with the old key gone every account still reads its own credentials
    new_only = make_app(CREDENTIALS_KEYS=[CREDENTIALS_KEY])
    with new_only.app_context():
        for account in db.session.scalars(select(EcAccount)):
            assert account.read_credentials() == stored[account.id]
        raw = db.session.scalars(text("SELECT credentials_encrypted FROM ec_accounts"))
        for token in raw.all():
            with pytest.raises(CredentialsError):
                CredentialCipher([OTHER_CREDENTIALS_KEY]).decrypt(token)


def test_rotate_credentials_refuses_all_when_one_account_is_unreadable(make_app):
    old_app = make_app(CREDENTIALS_KEYS=[OTHER_CREDENTIALS_KEY])
    with old_app.app_context():
        factories.account("shopify", display_name="Readable")
    new_app = make_app(CREDENTIALS_KEYS=[CREDENTIALS_KEY])
    with new_app.app_context():
        factories.account("ebay", display_name="Current")
    both = make_app(CREDENTIALS_KEYS=[CREDENTIALS_KEY, OTHER_CREDENTIALS_KEY])
    with both.app_context():
        before = raw_tokens()

    # the old key is dropped before the rotation ran: one account cannot be read
    result = run_cli(new_app, "rotate-credentials")

    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: Account 1 (Readable): The stored credentials "
    )
    assert "cannot be decrypted with any key in CREDENTIALS_KEY" in result.output
    assert result.output.endswith("Nothing was re-encrypted.\n")
    with both.app_context():
        assert raw_tokens() == before


def raw_tokens():
    query = text("SELECT id, credentials_encrypted FROM ec_accounts ORDER BY id")
    return db.session.execute(query).all()


@pytest.mark.parametrize(
    "secret, shown",
    [
        ("shpat_0123456789abcdef", "••••cdef"),
        ("cs_7d3f8a2b", "••••"),
        ("abc", "••••"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_shows_at_most_the_last_four_characters(secret, shown):
    assert credentials.mask(secret) == shown


def test_mask_never_shows_more_than_four_characters_of_any_length():
    for length in range(1, 80):
        secret = "".join(chr(ord("A") + i % 26) for i in range(length))

        visible = credentials.mask(secret).replace(credentials.MASK, "")

        assert len(visible) <= 4
        assert secret.endswith(visible)


def test_masked_credentials_hide_every_secret_of_an_account(app_ctx):
    creds = factories.credentials("woocommerce")
    account = factories.account("woocommerce", creds=creds)

    shown = dict(account.masked_credentials())

    assert shown == {
        "Site URL": creds["site_url"],
        "Consumer key": "••••" + creds["consumer_key"][-4:],
        "Consumer secret": "••••" + creds["consumer_secret"][-4:],
        "Send keys in the query string": "no",
    }
