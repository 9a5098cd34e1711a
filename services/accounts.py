"""Rules about EC accounts shared by the screens, the jobs and the command line."""

import logging

from redis.exceptions import RedisError
from sqlalchemy import func, select

from credentials import CredentialsError
from extensions import db
from models import EcAccount, ProductMapping
from models.account import PENDING
from services import actions

logger = logging.getLogger(__name__)

CREDENTIALS_CHANGED = "Credentials changed; not yet verified."


def mapping_count(account_id):
    return db.session.scalar(
        select(func.count(ProductMapping.id)).where(
            ProductMapping.account_id == account_id
        )
    )


def merge_credentials(spec, stored, submitted):
    """Combine typed credential values with the stored ones.

    A secret left empty keeps its stored value; a non-secret value replaces it.
    """
    merged = dict(stored)
    for item in spec.credential_fields:
        value = submitted.get(item.name)
        if item.secret and not value:
            continue
        merged[item.name] = value
    return merged


def apply_credentials(account, values):
    """Store ``values``; a change sends the account back to pending.

    :returns: True when the credentials changed.
    """
    if values == account.read_credentials():
        return False
    account.write_credentials(values)
    account.set_status(PENDING, CREDENTIALS_CHANGED)
    logger.info("credentials of account %s changed; status pending", account.id)
    return True


def delete_account(account):
    """Delete an account with its mappings in one transaction.

    Imported orders stay, with their account cleared.

    :returns: the number of product mappings removed with it.
    """
    removed = mapping_count(account.id)
    account_id = account.id
    db.session.delete(account)
    db.session.commit()
    try:
        actions.cancel_jobs(account_id)
    except RedisError as error:
        # the account is gone either way; a job that still runs finds nothing to do
        logger.warning(
            "account %s deleted, but its jobs were not cancelled: %s",
            account_id,
            type(error).__name__,
        )
    logger.info("deleted account %s with %s product mappings", account_id, removed)
    return removed


def display_name_taken(platform, display_name, exclude_id=None):
    query = select(EcAccount.id).where(
        EcAccount.platform == platform,
        func.lower(EcAccount.display_name) == display_name.strip().lower(),
    )
    if exclude_id is not None:
        query = query.where(EcAccount.id != exclude_id)
    return db.session.scalar(query) is not None


def _identity(value):
    return str(value or "").strip().rstrip("/").lower()


def account_on_same_shop(spec, values, exclude_id=None):
    """Another account of the platform that connects to the same shop, or None."""
    if not spec.identity_field or not values.get(spec.identity_field):
        return None
    wanted = _identity(values[spec.identity_field])
    query = select(EcAccount).where(EcAccount.platform == spec.name)
    if exclude_id is not None:
        query = query.where(EcAccount.id != exclude_id)
    for other in db.session.scalars(query):
        try:
            stored = other.read_credentials().get(spec.identity_field)
        except CredentialsError:  # under a dropped key: nothing to compare
            continue
        if _identity(stored) == wanted:
            return other
    return None
