"""The generated admin screens, one module per screen, mounted under ``/admin``."""

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin import formatters, rows
from admin.api_log import ApiLogView
from admin.base import AdminMenuLink, SecureIndexView
from admin.catalog import SalesChannelView, ShippingMethodView
from admin.ec_accounts import EcAccountView
from admin.layout_cache import admin_menu, admin_static_url
from admin.mappings import ProductMappingView
from admin.orders import OrderView
from admin.products import WarehouseProductView
from admin.users import UserView
from extensions import db
from models import (
    ApiLog,
    EcAccount,
    Order,
    ProductMapping,
    SalesChannel,
    ShippingMethod,
    User,
    WarehouseProduct,
)

WAREHOUSE = "Warehouse"


def init_app(app):
    app.add_template_filter(formatters.when, "when")
    app.add_template_global(rows.job_url, "job_url")
    admin = Admin(
        name="EC Back Office",
        url="/admin",
        index_view=SecureIndexView(name="Home", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/master.html", fluid=True),
    )
    session = db.session
    admin.add_view(
        EcAccountView(
            EcAccount,
            session,
            name="EC Integrations",
            endpoint="ec_accounts",
            url="ec-accounts",
        )
    )
    admin.add_view(OrderView(Order, session, name="Orders", endpoint="orders"))
    admin.add_view(
        ProductMappingView(
            ProductMapping,
            session,
            name="Product Mappings",
            endpoint="product_mappings",
            url="product-mappings",
        )
    )
    admin.add_view(
        ApiLogView(
            ApiLog, session, name="Platform API Log", endpoint="api_log", url="api-log"
        )
    )
    admin.add_view(
        WarehouseProductView(
            WarehouseProduct,
            session,
            name="Products",
            endpoint="products",
            category=WAREHOUSE,
        )
    )
    admin.add_view(
        ShippingMethodView(
            ShippingMethod,
            session,
            name="Shipping Methods",
            endpoint="shipping_methods",
            url="shipping-methods",
            category=WAREHOUSE,
        )
    )
    admin.add_view(
        SalesChannelView(
            SalesChannel,
            session,
            name="Sales Channels",
            endpoint="sales_channels",
            url="sales-channels",
            category=WAREHOUSE,
        )
    )
    admin.add_view(UserView(User, session, name="Users", endpoint="users"))
    admin.add_link(AdminMenuLink(name="Jobs (RQ)", url="/rq/"))
    admin.init_app(app)
    app.add_template_global(admin_static_url)
    app.add_template_global(admin_menu)
    return admin
