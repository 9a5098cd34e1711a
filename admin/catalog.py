"""Sales channels and shipping methods: the warehouse side's reference lists."""

from wtforms.validators import DataRequired, Length, Regexp

from admin.base import SecureModelView

CODE_RULE = Regexp(
    r"^[A-Za-z0-9_\-]+$", message="Use letters, digits, '-' and '_' only, no spaces."
)


class SalesChannelView(SecureModelView):
    column_list = ("code", "name")
    column_searchable_list = ("code", "name")
    column_default_sort = "name"
    form_columns = ("code", "name")
    form_args = {
        "code": {"validators": [DataRequired(), Length(max=40), CODE_RULE]},
        "name": {"validators": [DataRequired(), Length(max=100)]},
    }


class ShippingMethodView(SalesChannelView):
    pass
