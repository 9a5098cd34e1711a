"""The mapping health counts of an account, kept on it as a snapshot.

An account's page shows how many of its mappings there are, how many are unmatched,
matched but never pushed, and failed at their last push. Counting them on every view
would read every mapping of the account, so the counts are stored on the account
(``mappings_*`` and the time they were made, ``mappings_counted_at``) and recounted
by whatever writes mappings: the mapping sync and stock push jobs when they end, and
a product's deletion, which leaves its mappings unmatched.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import identity_key

from extensions import db
from models import EcAccount, ProductMapping
from models.base import utcnow

logger = logging.getLogger(__name__)

SNAPSHOT = (
    "mappings_total",
    "mappings_unmatched",
    "mappings_never_pushed",
    "mappings_failed",
    "mappings_counted_at",
)


@dataclass(frozen=True)
class MappingHealth:
    total: int
    unmatched: int
    never_pushed: int
    failed: int
    # when the counts were made; None when they were counted for this page
    counted_at: datetime | None = None

    @property
    def matched(self):
        return self.total - self.unmatched


def _counts(mapping):
    """The four counts over ``mapping`` rows, as column expressions."""
    matched = mapping.warehouse_product_id.isnot(None)
    return (
        func.count(mapping.id),
        func.count(mapping.id).filter(~matched),
        func.count(mapping.id).filter(matched, mapping.last_pushed_at.is_(None)),
        func.count(mapping.id).filter(mapping.last_push_error.isnot(None)),
    )


def count_now(account_id):
    """The account's counts made now, reading every one of its mappings."""
    row = db.session.execute(
        select(*_counts(ProductMapping)).where(ProductMapping.account_id == account_id)
    ).one()
    return MappingHealth(*row)


def of_account(account):
    """The counts stored on ``account``; counted now if it was never counted."""
    if account.mappings_counted_at is None:
        return count_now(account.id)
    return MappingHealth(
        account.mappings_total,
        account.mappings_unmatched,
        account.mappings_never_pushed,
        account.mappings_failed,
        account.mappings_counted_at,
    )


def recount(*account_ids):
    """Count the mappings of the accounts again and store the counts, stamped now.

    One UPDATE, in the caller's transaction (the caller commits); an account without
    mappings gets zeros. Instances of those accounts in the session are expired, so
    they read the new counts.
    """
    ids = sorted({int(n) for n in account_ids if n is not None})
    if not ids:
        return
    account = aliased(EcAccount)
    mapping = aliased(ProductMapping)
    total, unmatched, never_pushed, failed = _counts(mapping)
    counted = (
        select(
            account.id.label("account_id"),
            total.label("total"),
            unmatched.label("unmatched"),
            never_pushed.label("never_pushed"),
            failed.label("failed"),
        )
        .outerjoin(mapping, mapping.account_id == account.id)
        .where(account.id.in_(ids))
        .group_by(account.id)
        .subquery()
    )
    table = EcAccount.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == counted.c.account_id)
        .values(
            mappings_total=counted.c.total,
            mappings_unmatched=counted.c.unmatched,
            mappings_never_pushed=counted.c.never_pushed,
            mappings_failed=counted.c.failed,
            mappings_counted_at=utcnow(),
            # a recount is not an edit of the account
            updated_at=table.c.updated_at,
        )
    )
    for account_id in ids:
        instance = db.session.identity_map.get(identity_key(EcAccount, account_id))
        if instance is not None:
            db.session.expire(instance, SNAPSHOT)
    logger.debug("recounted the mappings of accounts %s", ids)


def accounts_mapped_to(product_ids):
    """The ids of the accounts with a mapping to any of ``product_ids``."""
    return db.session.scalars(
        select(ProductMapping.account_id)
        .where(ProductMapping.warehouse_product_id.in_(list(product_ids)))
        .distinct()
    ).all()


def unmatch_product(product_id):
    """Before ``product_id`` is deleted: unmatch its mappings, as the foreign key
    would, and recount the accounts that had them, in the caller's transaction."""
    accounts = accounts_mapped_to([product_id])
    if not accounts:
        return
    db.session.execute(
        update(ProductMapping)
        .where(ProductMapping.warehouse_product_id == product_id)
        .values(warehouse_product_id=None)
    )
    recount(*accounts)
    logger.info(
        "product %s deleted: its mappings in accounts %s are unmatched",
        product_id,
        accounts,
    )
