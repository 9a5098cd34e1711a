"""The data model, one module per aggregate."""

from models.account import EcAccount, ShippingTypeMapping  # noqa: F401
from models.api_log import ApiLog  # noqa: F401
from models.catalog import SalesChannel, ShippingMethod, WarehouseProduct  # noqa: F401
from models.mapping import ProductMapping  # noqa: F401
from models.order import Order, OrderLine  # noqa: F401
from models.sync_run import SyncRun  # noqa: F401
from models.user import User  # noqa: F401
