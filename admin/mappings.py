"""Product mappings: read-only here; they are built by syncing with the platform."""

from flask_admin.contrib.sqla.filters import BaseSQLAFilter

from admin.base import IntEqualFilter, ReadOnlyModelView
from admin.formatters import account_link
from models import ProductMapping


class UnmatchedFilter(BaseSQLAFilter):
    def apply(self, query, value, alias=None):
        column = ProductMapping.warehouse_product_id
        return query.filter(column.is_(None) if value == "1" else column.isnot(None))

    def operation(self):
        return "is"


class ProductMappingView(ReadOnlyModelView):
    column_list = (
        "account",
        "platform_sku",
        "title",
        "listing_id",
        "warehouse_product",
        "matched_manually",
        "platform_quantity",
        "last_pushed_quantity",
        "last_pushed_at",
        "last_push_error",
    )
    column_labels = {
        "account.display_name": "Account",
        "listing_id": "Listing id",
        "platform_sku": "Platform SKU",
        "title": "Title",
        "platform_quantity": "Platform qty",
    }
    column_searchable_list = ("platform_sku", "title", "listing_id")
    column_filters = (
        "account.display_name",
        UnmatchedFilter(
            ProductMapping.warehouse_product_id,
            "Unmatched",
            options=(("1", "Unmatched only"), ("0", "Matched only")),
        ),
        # exact where names repeat across platforms; the account page links with it
        IntEqualFilter(ProductMapping.account_id, "Account id"),
    )
    column_formatters = {"account": account_link}
    column_default_sort = [("account_id", False), ("platform_sku", False)]
