"""Matching platform listings to warehouse products by SKU.

SKUs are compared trimmed and case-folded. A mapping set by hand keeps its product; a
listing the platform no longer has loses its mapping. Stock is never touched.
"""

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from extensions import db
from models import ProductMapping, WarehouseProduct
from models.catalog import sku_key


@dataclass
class MappingReport:
    matched: int = 0
    unmatched: int = 0
    removed: int = 0
    duplicate_skus: set = field(default_factory=set)

    def sentence(self):
        text = (
            f"{self.matched} matched, {self.unmatched} unmatched, "
            f"{self.removed} removed"
        )
        if self.duplicate_skus:
            shown = ", ".join(sorted(self.duplicate_skus)[:10])
            more = len(self.duplicate_skus) - 10
            text += f"; {len(self.duplicate_skus)} SKUs on several listings ({shown}"
            text += f" and {more} more)" if more > 0 else ")"
        return text + "."


class MappingSync:
    def __init__(self, account):
        self.account = account
        self.report = MappingReport()
        self.seen = set()
        self.sku_owner = {}
        self.products = dict(
            db.session.execute(
                select(WarehouseProduct.sku_key, WarehouseProduct.id)
            ).all()
        )
        self.existing = {
            m.listing_id: m
            for m in db.session.scalars(
                select(ProductMapping).where(ProductMapping.account_id == account.id)
            )
        }

    def add_page(self, listings):
        for listing in listings:
            if listing.listing_id in self.seen:
                continue
            self.seen.add(listing.listing_id)
            key = sku_key(listing.sku)
            if key:
                owner = self.sku_owner.setdefault(key, listing.listing_id)
                if owner != listing.listing_id:
                    self.report.duplicate_skus.add(listing.sku.strip())
            mapping = self.existing.get(listing.listing_id)
            if mapping is None:
                mapping = ProductMapping(
                    account_id=self.account.id, listing_id=listing.listing_id
                )
                db.session.add(mapping)
                self.existing[listing.listing_id] = mapping
            mapping.parent_id = listing.parent_id
            mapping.inventory_item_id = listing.inventory_item_id
            mapping.platform_sku = (listing.sku or None) and listing.sku[:100]
            mapping.title = (listing.title or None) and listing.title[:255]
            mapping.platform_quantity = listing.quantity
            if not mapping.matched_manually:
                mapping.warehouse_product_id = self.products.get(key) if key else None
            if mapping.warehouse_product_id is None:
                self.report.unmatched += 1
            else:
                self.report.matched += 1

    def finish(self):
        """Remove mappings of listings the platform no longer lists."""
        gone = [
            m.id for lid, m in self.existing.items() if lid not in self.seen and m.id
        ]
        if gone:
            db.session.execute(
                delete(ProductMapping).where(ProductMapping.id.in_(gone))
            )
        self.report.removed = len(gone)
        return self.report
