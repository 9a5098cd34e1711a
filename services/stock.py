"""Warehouse stock movements."""

import logging

from sqlalchemy import update

from extensions import db
from models import WarehouseProduct

logger = logging.getLogger(__name__)

MAX_RECEIVE_QUANTITY = 1_000_000


class StockError(ValueError):
    """A stock movement was asked with a quantity that cannot be applied."""


def receive(product_id, quantity):
    """Raise ``on_hand`` of one product by ``quantity`` in one atomic update.

    :returns: the product, reloaded.
    :raises StockError: for a quantity that is not a whole number from 1 up, or an
        unknown product.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise StockError("The quantity must be a whole number.")
    if not 1 <= quantity <= MAX_RECEIVE_QUANTITY:
        raise StockError(
            f"The quantity must be between 1 and {MAX_RECEIVE_QUANTITY:,}; "
            f"got {quantity}."
        )
    result = db.session.execute(
        update(WarehouseProduct)
        .where(WarehouseProduct.id == product_id)
        .values(on_hand=WarehouseProduct.on_hand + quantity)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StockError(f"There is no warehouse product with id {product_id}.")
    db.session.commit()
    product = db.session.get(WarehouseProduct, product_id)
    db.session.refresh(product)
    logger.info("received %s units of product %s", quantity, product_id)
    return product
