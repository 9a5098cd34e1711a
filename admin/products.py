"""Warehouse products, with a form to receive stock."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import LinkRowAction
from flask_login import current_user
from sqlalchemy import select
from wtforms import ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from admin.base import CSRFForm, SecureModelView, row_id
from admin.fields import WholeNumberField
from extensions import db
from models import WarehouseProduct
from models.catalog import sku_key
from models.user import OPERATOR
from services import actions, mapping_health, stock


class ReceiveStockForm(CSRFForm):
    quantity = WholeNumberField(
        "Quantity received",
        message="The quantity must be a whole number, such as 12.",
        validators=[
            InputRequired(message="Enter the quantity received."),
            NumberRange(
                min=1,
                max=stock.MAX_RECEIVE_QUANTITY,
                message="The quantity must be a whole number from 1 to %(max)s.",
            ),
        ],
    )


def _unique_sku(form, field):
    key = sku_key(field.data)
    existing = db.session.scalar(
        select(WarehouseProduct.id).where(WarehouseProduct.sku_key == key)
    )
    current = getattr(form, "_obj_id", None)
    if existing is not None and existing != current:
        raise ValidationError(
            f"SKU {field.data.strip()!r} is already used by another product "
            "(SKUs are compared ignoring case and surrounding spaces)."
        )


def _not_negative(label):
    return [
        InputRequired(message=f"Enter {label} as a whole number."),
        NumberRange(min=0, max=10_000_000, message=f"{label} must be 0 or more."),
    ]


class WarehouseProductView(SecureModelView):
    column_list = ("sku", "name", "barcode", "on_hand", "reserved", "available")
    column_searchable_list = ("sku", "name", "barcode")
    column_sortable_list = ("sku", "name", "on_hand", "reserved")
    column_default_sort = "sku"
    form_columns = ("sku", "name", "barcode", "on_hand", "reserved")
    form_args = {
        "sku": {"validators": [DataRequired(), Length(max=100), _unique_sku]},
        "name": {"validators": [DataRequired(), Length(max=200)]},
        "barcode": {"validators": [Length(max=64)]},
        "on_hand": {"validators": _not_negative("On hand")},
        "reserved": {"validators": _not_negative("Reserved")},
    }
    receive_action = LinkRowAction(
        "fa fa-plus-square", "receive/?id={row_id}", title="Receive stock"
    )

    def get_list_row_actions(self):
        # receiving stock is an operator's action: viewers are not offered it
        actions_shown = super().get_list_row_actions()
        if current_user.has_role(OPERATOR):
            actions_shown = actions_shown + [self.receive_action]
        return actions_shown

    def on_model_delete(self, model):
        # the product's mappings become unmatched: their accounts are recounted in
        # the transaction that deletes it (the single delete and the list action)
        mapping_health.unmatch_product(model.id)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form._obj_id = obj.id if obj is not None else None
        return form

    def _push_restock(self, product):
        try:
            results = actions.queue_inbound_push(product.id, user=current_user)
        except actions.QueueUnavailable as error:
            flash(f"Inbound push was not queued: {error}", "error")
            return
        if results:
            flash(f"Inbound push: {actions.summarize(results)}.", "info")

    @expose("/receive/", methods=("GET", "POST"))
    def receive_view(self):
        if not current_user.has_role(OPERATOR):
            abort(403)
        product_id = row_id(request.args.get("id"))
        product = db.session.get(WarehouseProduct, product_id) if product_id else None
        if product is None:
            abort(404, description="There is no warehouse product with that id.")
        form = ReceiveStockForm()
        if form.validate_on_submit():
            try:
                product = stock.receive(product.id, form.quantity.data)
            except stock.StockError as error:
                flash(str(error), "error")
            else:
                flash(
                    f"Received {form.quantity.data} of {product.sku}; "
                    f"on hand is now {product.on_hand}.",
                    "success",
                )
                self._push_restock(product)
                return redirect(url_for(".index_view"))
        status = 400 if form.errors else 200
        return self.render(
            "admin/receive_stock.html", form=form, product=product
        ), status
