"""Imported orders with their lines; read-only, since the platforms own them."""

from admin.base import ReadOnlyModelView
from admin.formatters import account_link


class OrderView(ReadOnlyModelView):
    column_list = (
        "placed_at",
        "account",
        "number",
        "status",
        "cancelled",
        "total",
        "currency",
        "customer_name",
        "shipping_code",
        "unmapped_shipping",
        "has_unknown_products",
    )
    column_labels = {
        "account.display_name": "Account",
        "has_unknown_products": "Unknown products",
        "unmapped_shipping": "Unmapped shipping",
        "placed_at": "Placed",
    }
    column_searchable_list = ("number", "platform_order_id", "customer_name")
    column_filters = (
        "account.display_name",
        "status",
        "cancelled",
        "has_unknown_products",
        "unmapped_shipping",
        "placed_at",
    )
    column_default_sort = [("placed_at", True), ("id", True)]
    column_formatters = {"account": account_link}
    column_details_list = (
        "account_name",
        "platform",
        "platform_order_id",
        "number",
        "status",
        "cancelled",
        "cancelled_at",
        "total",
        "currency",
        "customer_name",
        "customer_email",
        "shipping_address",
        "shipping_code",
        "shipping_method",
        "unmapped_shipping",
        "has_unknown_products",
        "placed_at",
        "platform_updated_at",
        "imported_at",
    )
    details_template = "admin/order_details.html"
