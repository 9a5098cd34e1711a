"""A WooCommerce stand-in: products, variations, orders and the stock batch endpoints.

Sites are served under ``/woocommerce/<host>`` at the real ``/wp-json/wc/v3`` paths,
so an installation points ``PLATFORM_BASE_URLS["woocommerce"]`` at
``http://127.0.0.1:8001/woocommerce/{host}``. Keys are accepted in an HTTP Basic
header or as ``consumer_key``/``consumer_secret`` query parameters.

Every site keeps, in ``shop.data``: its keys, time zone, products (simple, variable,
grouped), variations by id, and orders by id. Lists are sorted by the requested field
and then by id, so pages never overlap or skip when many items share one time.
"""

import math
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, request

from sandbox.platform import SandboxPlatform, enter, json_response, world
from sandbox.world import Shop

NAME = "woocommerce"
MAX_PER_PAGE = 100
MAX_BATCH = 100
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
)
ORDER_SORTS = {
    "date": "date_created_gmt",
    "modified": "date_modified_gmt",
    "id": "id",
}
PRODUCT_SORTS = {
    "date": "date_created_gmt",
    "modified": "date_modified_gmt",
    "id": "id",
}

SITES = (
    {
        "host": "osaka-outlet.example.com",
        "name": "Osaka Outlet",
        "consumer_key": "ck_demo_osaka_00000000000000000001",
        "consumer_secret": "cs_demo_osaka_00000000000000000001",
        "timezone": "Asia/Tokyo",
        "currency": "JPY",
        "demo": True,
    },
    {
        "host": "kobe-lab.example.com",
        "name": "Kobe Lab",
        "consumer_key": "ck_test_kobe_000000000000000000002",
        "consumer_secret": "cs_test_kobe_000000000000000000002",
        "timezone": "Europe/London",
        "currency": "GBP",
        "demo": False,
    },
)

FIRST_NAMES = ["Aiko", "Haruto", "Yui", "Sota", "Mei", "Ren", "Hana", "Riku"]
LAST_NAMES = ["Tanaka", "Suzuki", "Sato", "Kato", "Ito", "Yamada", "Mori", "Ishii"]
CITIES = [
    ("Osaka", "JP27", "530-0001"),
    ("Kyoto", "JP26", "600-8216"),
    ("Kobe", "JP28", "650-0021"),
]
SIZES = ["S", "M", "L", "XL", "XXL"]

bp = Blueprint("woocommerce", __name__, url_prefix="/woocommerce/<host>")


def _now():
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None)


def _stamp(moment):
    return moment.replace(microsecond=0).isoformat()


def _money(value):
    return f"{value:.2f}"


class WooCommerceSandbox(SandboxPlatform):
    """Deterministic WooCommerce sites and the control hooks over them."""

    name = NAME
    blueprint = bp

    # seeding

    def seed(self, world, rng):
        from services.demo import demo_products

        catalog = [(item["sku"], item["name"]) for item in demo_products()]
        for site in SITES:
            shop = world.add(Shop(NAME, site["host"], data=_empty_site(site)))
            if site["demo"]:
                _seed_demo_catalog(shop, catalog, rng)
                _seed_orders(shop, rng, count=48, days=14, cluster=30)
            else:
                _seed_small_catalog(shop, catalog, rng)
                _seed_orders(shop, rng, count=12, days=5, cluster=0)

    def add_orders(self, shop, count, **options):
        """Add ``count`` orders modified now; ``status`` may be given (processing)."""
        status = str(options.get("status", "processing"))
        now = _now()
        rng = _rng(shop)
        return [
            _new_order(shop, rng, now, now, status=status)["id"] for _ in range(count)
        ]

    def bulk_seed(self, shop, **options):
        """Replace orders or products with generated ones.

        ``{"orders": N, "lines": 3, "per_time": K}``: N orders, K of them sharing each
        modification time (1 by default), ids not in time order.
        ``{"products": N, "variable": P, "variations": V}``: N simple products with SKUs
        BULK-00001..., plus P variable products with V variations each.
        """
        rng = _rng(shop)
        result = {}
        if "orders" in options:
            result["orders"] = _bulk_orders(
                shop,
                rng,
                count=_bounded(options["orders"], 0, 20000),
                lines=_bounded(options.get("lines", 3), 0, 20),
                per_time=_bounded(options.get("per_time", 1), 1, 20000),
            )
        if "products" in options:
            result.update(
                _bulk_products(
                    shop,
                    rng,
                    count=_bounded(options["products"], 0, 20000),
                    variable=_bounded(options.get("variable", 0), 0, 1000),
                    variations=_bounded(options.get("variations", 0), 0, 1000),
                )
            )
        return result

    def stock(self, shop):
        """Stock of every stocked listing, by id and by SKU (the lowest id wins)."""
        levels = {}
        by_sku = {}
        for item in _listings(shop):
            if item["manage_stock"] is not True:
                continue
            levels[str(item["id"])] = item["stock_quantity"]
            if item["sku"]:
                by_sku.setdefault(item["sku"], item["stock_quantity"])
        return {**levels, **by_sku}

    def revoke(self, shop):
        """Delete the site's keys, as when the user revokes them in WordPress."""
        shop.data["keys"] = {}

    def error_response(self, status, message):
        """A WordPress REST error document."""
        codes = {
            401: ("woocommerce_rest_authentication_error", "Consumer key is invalid."),
            429: ("too_many_requests", message),
        }
        code, text = codes.get(status, ("internal_server_error", message))
        if status < 500 and status not in codes:
            code = "rest_error"
        return wp_error(code, text, status)


PLATFORM = WooCommerceSandbox()


def wp_error(code, message, status, **data):
    return json_response(
        {"code": code, "message": message, "data": {"status": status, **data}}, status
    )


def _invalid_param(name, reason):
    return wp_error(
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        400,
        params={name: reason},
    )


# building the sites


def _empty_site(site):
    return {
        "name": site["name"],
        "keys": {site["consumer_key"]: site["consumer_secret"]},
        "timezone": site["timezone"],
        "currency": site["currency"],
        "products": {},
        "variations": {},
        "orders": {},
        "next_id": 100,
    }


def _rng(shop):
    # a fresh generator per call keeps control results repeatable after a reset
    import random

    return random.Random(f"{shop.key}:{shop.data['next_id']}")


def _take_id(shop):
    shop.data["next_id"] += 1
    return shop.data["next_id"]


def _bounded(value, low, high):
    try:
        return max(low, min(int(value), high))
    except (TypeError, ValueError):
        return low


def _local(shop, moment):
    zone = ZoneInfo(shop.data["timezone"])
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def _product(shop, rng, name, sku, *, kind="simple", manage_stock=True, quantity=None):
    created = _now() - timedelta(days=rng.randint(20, 400))
    product = {
        "id": _take_id(shop),
        "name": name,
        "slug": name.lower().replace(" ", "-").replace("#", ""),
        "type": kind,
        "status": "publish",
        "sku": sku,
        "price": _money(rng.randint(8, 90) * 100 / 10) if kind != "grouped" else "",
        "manage_stock": manage_stock,
        "stock_quantity": (
            (quantity if quantity is not None else rng.randint(0, 60))
            if manage_stock
            else None
        ),
        "stock_status": "instock",
        "variations": [],
        "grouped_products": [],
        "date_created": _stamp(_local(shop, created)),
        "date_created_gmt": _stamp(created),
        "date_modified": _stamp(_local(shop, created)),
        "date_modified_gmt": _stamp(created),
    }
    _refresh_stock_status(product)
    shop.data["products"][product["id"]] = product
    return product


def _variation(shop, rng, parent, size, sku, *, manage_stock=True):
    created = _now() - timedelta(days=rng.randint(5, 200))
    variation = {
        "id": _take_id(shop),
        "parent_id": parent["id"],
        "sku": sku,
        "price": parent["price"] or _money(rng.randint(20, 60)),
        "manage_stock": manage_stock,
        "stock_quantity": rng.randint(0, 40) if manage_stock is True else None,
        "stock_status": "instock",
        "attributes": [{"id": 1, "name": "Size", "option": size}],
        "date_created_gmt": _stamp(created),
        "date_modified_gmt": _stamp(created),
    }
    if manage_stock == "parent":
        variation["stock_quantity"] = parent["stock_quantity"]
    _refresh_stock_status(variation)
    shop.data["variations"][variation["id"]] = variation
    parent["variations"].append(variation["id"])
    return variation


def _refresh_stock_status(item):
    if item["manage_stock"] is True:
        item["stock_status"] = "instock" if item["stock_quantity"] > 0 else "outofstock"


def _seed_demo_catalog(shop, catalog, rng):
    # simple products carrying the warehouse's demo SKUs
    for sku, name in catalog[:40]:
        _product(shop, rng, name, sku)
    skus = [sku for sku, _ in catalog]

    # variable products: a parent without SKU, its sizes carry the SKUs
    for family in range(6):
        parent = _product(
            shop,
            rng,
            f"Outlet Bundle {family + 1}",
            "",
            kind="variable",
            manage_stock=False,
        )
        for offset, size in enumerate(SIZES[:4]):
            sku = skus[40 + family * 4 + offset]
            _variation(shop, rng, parent, size, sku)

    # the awkward ones a real catalog has
    _product(shop, rng, "Old listing (duplicate SKU)", skus[2])
    _product(shop, rng, "Lower-case SKU", skus[64].lower())
    _product(shop, rng, "SKU with spaces", f"  {skus[65]} ")
    _product(shop, rng, "Gift card", "OSK-GIFTCARD-5000", manage_stock=False)
    _product(shop, rng, "Sample pack", "OSK-SAMPLE-01", quantity=3)
    _product(shop, rng, "Untracked poster", "", manage_stock=False)
    _product(shop, rng, "Catalogue booklet", "", quantity=12)
    grouped = _product(shop, rng, "Gift set", "", kind="grouped", manage_stock=False)
    grouped["grouped_products"] = [101, 102]
    _product(shop, rng, "Affiliate mug", "", kind="external", manage_stock=False)
    _product(
        shop, rng, "Bundle without sizes yet", "", kind="variable", manage_stock=False
    )
    stocked_parent = _product(shop, rng, "Scarf set", "OSK-SCARF-SET", kind="variable")
    _variation(shop, rng, stocked_parent, "S", skus[66], manage_stock="parent")
    _variation(shop, rng, stocked_parent, "M", skus[67])
    _variation(shop, rng, stocked_parent, "L", "OSK-SCARF-L-UNKNOWN")


def _seed_small_catalog(shop, catalog, rng):
    for sku, name in catalog[100:110]:
        _product(shop, rng, name, sku)
    skus = [sku for sku, _ in catalog]
    for family in range(2):
        parent = _product(
            shop, rng, f"Kobe Tee {family + 1}", "", kind="variable", manage_stock=False
        )
        for offset, size in enumerate(SIZES[:3]):
            _variation(shop, rng, parent, size, skus[110 + family * 3 + offset])


def _listings(shop):
    items = [
        product
        for product in shop.data["products"].values()
        if product["type"] not in ("variable", "grouped", "external")
    ]
    items.extend(shop.data["variations"].values())
    return sorted(items, key=lambda item: item["id"])


def _title(shop, item):
    if "parent_id" not in item:
        return item["name"]
    parent = shop.data["products"][item["parent_id"]]
    return f"{parent['name']} - {item['attributes'][0]['option']}"


def _line_source(shop):
    return [item for item in _listings(shop) if item["sku"]]


def _new_order(shop, rng, created, modified, *, status, lines=None):
    person = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
    city, state, postcode = rng.choice(CITIES)
    sources = _line_source(shop)
    items = []
    for _ in range(lines if lines is not None else rng.randint(1, 3)):
        source = rng.choice(sources) if sources else None
        quantity = rng.randint(1, 3)
        price = float(source["price"] or 10) if source else 10.0
        items.append(
            {
                "id": _take_id(shop),
                "name": _title(shop, source) if source else "Custom item",
                "product_id": source.get("parent_id", source["id"]) if source else 0,
                "variation_id": source["id"] if source and "parent_id" in source else 0,
                "quantity": quantity,
                "tax_class": "",
                "subtotal": _money(price * quantity),
                "total": _money(price * quantity),
                "sku": source["sku"] if source else "",
                # documented as a string, served as a number
                "price": price,
            }
        )
    shipping_total = 5.0
    total = sum(float(item["total"]) for item in items) + shipping_total
    order_id = _take_id(shop)
    order = {
        "id": order_id,
        "parent_id": 0,
        "number": str(order_id),
        "order_key": f"wc_order_{order_id:08d}",
        "created_via": "checkout",
        "status": status,
        "currency": shop.data["currency"],
        "date_created": _stamp(_local(shop, created)),
        "date_created_gmt": _stamp(created),
        "date_modified": _stamp(_local(shop, modified)),
        "date_modified_gmt": _stamp(modified),
        "discount_total": "0.00",
        "shipping_total": _money(shipping_total),
        "total": _money(total),
        "customer_id": rng.randint(0, 40),
        "customer_note": "",
        "billing": {
            "first_name": person[0],
            "last_name": person[1],
            "company": "",
            "address_1": "1-2-3 Umeda",
            "address_2": "",
            "city": city,
            "state": state,
            "postcode": postcode,
            "country": "JP",
            "email": f"{person[0].lower()}.{person[1].lower()}@example.com",
            "phone": f"06-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        },
        "shipping": {
            "first_name": person[0],
            "last_name": person[1],
            "company": "",
            "address_1": f"{rng.randint(1, 9)}-{rng.randint(1, 30)} Namba",
            "address_2": "",
            "city": city,
            "state": state,
            "postcode": postcode,
            "country": "JP",
            "phone": "",
        },
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "line_items": items,
        "shipping_lines": [
            {
                "id": _take_id(shop),
                "method_title": "Flat rate",
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": _money(shipping_total),
            }
        ],
    }
    shop.data["orders"][order_id] = order
    return order


def _seed_orders(shop, rng, *, count, days, cluster):
    now = _now()
    statuses = ["processing"] * 6 + ["completed"] * 3 + ["on-hold", "pending"]
    orders = []
    for _ in range(count):
        # modified at least an hour ago, so orders added now stand apart
        created = now - timedelta(seconds=rng.randint(3 * 3600, days * 86400))
        modified = created + timedelta(seconds=rng.randint(0, 7200))
        orders.append(
            _new_order(shop, rng, created, modified, status=rng.choice(statuses))
        )

    # a bulk status change yesterday: many orders share one modification time
    shared = (now - timedelta(days=1)).replace(minute=0, second=0)
    for order in orders[:cluster]:
        created = min(
            datetime.fromisoformat(order["date_created_gmt"]),
            shared - timedelta(hours=rng.randint(1, 48)),
        )
        order["date_created_gmt"] = _stamp(created)
        order["date_created"] = _stamp(_local(shop, created))
        order["date_modified_gmt"] = _stamp(shared)
        order["date_modified"] = _stamp(_local(shop, shared))
        order["status"] = "completed"

    # the odd cases, on orders outside the cluster
    odd = orders[cluster:]
    if len(odd) >= 8:
        odd[0]["status"] = "cancelled"
        odd[1]["status"] = "refunded"
        odd[2]["status"] = "trash"
        odd[3]["line_items"].append(
            {
                "id": _take_id(shop),
                "name": "Gift wrapping",
                "product_id": 0,
                "variation_id": 0,
                "quantity": 1,
                "tax_class": "",
                "subtotal": "300.00",
                "total": "300.00",
                "sku": "",
                "price": 300,
            }
        )
        # a virtual order: no shipping lines, every shipping field empty
        odd[4]["shipping"] = {key: "" for key in odd[4]["shipping"]}
        odd[4]["shipping_lines"] = []
        # split delivery: two shipping lines
        odd[5]["shipping_lines"].append(
            {
                "id": _take_id(shop),
                "method_title": "Local pickup",
                "method_id": "local_pickup",
                "instance_id": "2",
                "total": "0.00",
            }
        )
        odd[6]["shipping_lines"][0].update(
            method_title="Local pickup", method_id="local_pickup", instance_id="2"
        )
        # some plugins send null where an address is missing
        odd[7]["shipping"] = None


def _bulk_orders(shop, rng, *, count, lines, per_time):
    shop.data["orders"] = {}
    base = _now() - timedelta(hours=2)
    ids = [_take_id(shop) for _ in range(count)]
    rng.shuffle(ids)
    for position in range(count):
        modified = base + timedelta(seconds=position // per_time)
        order = _new_order(
            shop, rng, modified, modified, status="processing", lines=lines
        )
        # the generated id goes, so ids do not follow modification times
        del shop.data["orders"][order["id"]]
        order["id"] = ids[position]
        order["number"] = str(ids[position])
        shop.data["orders"][order["id"]] = order
    return count


def _bulk_products(shop, rng, *, count, variable, variations):
    shop.data["products"] = {}
    shop.data["variations"] = {}
    for number in range(1, count + 1):
        _product(shop, rng, f"Bulk product {number}", f"BULK-{number:05d}")
    for family in range(1, variable + 1):
        parent = _product(
            shop,
            rng,
            f"Bulk variable {family}",
            "",
            kind="variable",
            manage_stock=False,
        )
        for number in range(1, variations + 1):
            _variation(
                shop, rng, parent, f"V{number}", f"BULKV-{family:03d}-{number:03d}"
            )
    return {
        "products": count,
        "variable": variable,
        "variations": variable * variations,
    }


# serving


def _site(host):
    """Find the site, apply a pending fault, then check the keys.

    :returns: ``(shop, None)`` or ``(None, response)`` to answer instead.
    """
    shop = world().get(NAME, host)
    if shop is None:
        return None, wp_error(
            "rest_no_route", f"The sandbox serves no WooCommerce site {host!r}.", 404
        )
    fault = enter(PLATFORM, shop)
    if fault is not None:
        return None, fault

    if request.authorization and request.authorization.type == "basic":
        key = request.authorization.username
        secret = request.authorization.password
    else:
        key = request.args.get("consumer_key")
        secret = request.args.get("consumer_secret")
    if not key:
        return None, wp_error(
            "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401
        )
    keys = shop.data["keys"]
    if key not in keys:
        return None, wp_error(
            "woocommerce_rest_authentication_error", "Consumer key is invalid.", 401
        )
    if keys[key] != secret:
        return None, wp_error(
            "woocommerce_rest_authentication_error", "Consumer secret is invalid.", 401
        )
    return shop, None


def _paging():
    """``(page, per_page)`` from the query, or an error response."""
    values = {}
    for name, default, low, high in (
        ("per_page", 10, 1, MAX_PER_PAGE),
        ("page", 1, 1, None),
    ):
        raw = request.args.get(name, str(default))
        try:
            value = int(raw)
        except ValueError:
            return None, _invalid_param(name, f"{name} is not of type integer.")
        if value < low or (high is not None and value > high):
            bounds = f"between {low} (inclusive) and {high} (inclusive)"
            reason = (
                f"{name} must be {bounds}" if high else f"{name} must be at least {low}"
            )
            return None, _invalid_param(name, reason)
        values[name] = value
    return (values["page"], values["per_page"]), None


def _sorted(items, sorts, default):
    orderby = request.args.get("orderby", default)
    order = request.args.get("order", "desc")
    if orderby not in sorts:
        return None, _invalid_param(
            "orderby", f"orderby is not one of {', '.join(sorts)}."
        )
    if order not in ("asc", "desc"):
        return None, _invalid_param("order", "order is not one of asc, desc.")
    field = sorts[orderby]
    # the id breaks ties, so equal times keep one order from page to page
    items = sorted(items, key=lambda item: (item[field], item["id"]))
    return (items if order == "asc" else items[::-1]), None


def _page_response(items, page, per_page):
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1)):
        if 1 <= number <= max(pages, 1) and (rel == "prev" or number <= pages):
            query = {**request.args.to_dict(), "page": number}
            links.append(f'<{request.base_url}?{urlencode(query)}>; rel="{rel}"')
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    if links:
        headers["Link"] = ", ".join(links)
    return json_response(chunk, headers=headers)


def _date_param(name):
    """A date filter as a naive datetime, or an error response."""
    raw = request.args.get(name)
    if not raw:
        return None, None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None, _invalid_param(name, f"Invalid date for {name}.")
    return moment, None


@bp.get("/wp-json/wc/v3/orders")
def list_orders(host):
    shop, refusal = _site(host)
    if refusal:
        return refusal
    paging, refusal = _paging()
    if refusal:
        return refusal

    # status: "any" (the default) leaves trashed orders out
    wanted = request.args.get("status", "any").split(",")
    unknown = [status for status in wanted if status not in ("any", *ORDER_STATUSES)]
    if unknown:
        return _invalid_param(
            "status", f"status is not one of any, {', '.join(ORDER_STATUSES)}."
        )
    orders = [
        order
        for order in shop.data["orders"].values()
        if order["status"] in wanted or ("any" in wanted and order["status"] != "trash")
    ]

    # date filters compare with the GMT fields when dates_are_gmt, else local ones
    gmt = request.args.get("dates_are_gmt", "false").lower() in ("1", "true")
    for name, field, after in (
        ("after", "date_created", True),
        ("before", "date_created", False),
        ("modified_after", "date_modified", True),
        ("modified_before", "date_modified", False),
    ):
        moment, refusal = _date_param(name)
        if refusal:
            return refusal
        if moment is None:
            continue
        if moment.tzinfo is not None:
            utc = moment.astimezone(UTC).replace(tzinfo=None)
            moment = utc if gmt else _local(shop, utc)
        column = field + "_gmt" if gmt else field
        bound = _stamp(moment)
        orders = [
            order
            for order in orders
            if (order[column] > bound if after else order[column] < bound)
        ]

    orders, refusal = _sorted(orders, ORDER_SORTS, "date")
    if refusal:
        return refusal
    return _page_response(orders, *paging)


@bp.get("/wp-json/wc/v3/products")
def list_products(host):
    shop, refusal = _site(host)
    if refusal:
        return refusal
    paging, refusal = _paging()
    if refusal:
        return refusal
    products = list(shop.data["products"].values())
    if request.args.get("sku"):
        products = [p for p in products if p["sku"] == request.args["sku"]]
    if request.args.get("type"):
        products = [p for p in products if p["type"] == request.args["type"]]
    products, refusal = _sorted(products, PRODUCT_SORTS, "date")
    if refusal:
        return refusal
    return _page_response(products, *paging)


@bp.get("/wp-json/wc/v3/products/<int:product_id>/variations")
def list_variations(host, product_id):
    shop, refusal = _site(host)
    if refusal:
        return refusal
    paging, refusal = _paging()
    if refusal:
        return refusal
    parent = shop.data["products"].get(product_id)
    if parent is None:
        return wp_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
    variations = [shop.data["variations"][vid] for vid in parent["variations"]]
    variations, refusal = _sorted(variations, PRODUCT_SORTS, "date")
    if refusal:
        return refusal
    return _page_response(variations, *paging)


@bp.post("/wp-json/wc/v3/products/batch")
def batch_products(host):
    shop, refusal = _site(host)
    if refusal:
        return refusal
    return _batch(shop, shop.data["products"], "woocommerce_rest_product_invalid_id")


@bp.post("/wp-json/wc/v3/products/<int:product_id>/variations/batch")
def batch_variations(host, product_id):
    shop, refusal = _site(host)
    if refusal:
        return refusal
    parent = shop.data["products"].get(product_id)
    owned = {
        vid: shop.data["variations"][vid]
        for vid in (parent or {}).get("variations", [])
    }
    return _batch(shop, owned, "woocommerce_rest_product_variation_invalid_id")


def _batch(shop, items, invalid_code):
    """Apply the ``update`` part of a batch; every item answers for itself."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return wp_error("rest_invalid_json", "Invalid JSON body passed.", 400)
    size = sum(len(body.get(part) or ()) for part in ("create", "update", "delete"))
    if size > MAX_BATCH:
        return wp_error(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {MAX_BATCH} items for this request.",
            413,
        )

    answers = []
    for entry in body.get("update") or ():
        entry = entry if isinstance(entry, dict) else {}
        item_id = entry.get("id")
        item = items.get(item_id) if isinstance(item_id, int) else None
        if item is None:
            answers.append(_item_error(item_id, invalid_code, "Invalid ID."))
            continue
        quantity = entry.get("stock_quantity", item["stock_quantity"])
        if quantity is not None and not _is_whole(quantity):
            answers.append(
                _item_error(
                    item_id,
                    "rest_invalid_param",
                    "Invalid parameter(s): stock_quantity",
                )
            )
            continue
        if "manage_stock" in entry:
            item["manage_stock"] = entry["manage_stock"]
        if quantity is not None:
            item["stock_quantity"] = int(quantity)
        _refresh_stock_status(item)
        item["date_modified_gmt"] = _stamp(_now())
        answers.append(item)
    return json_response({"update": answers})


def _is_whole(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def _item_error(item_id, code, message):
    return {
        "id": item_id,
        "error": {"code": code, "message": message, "data": {"status": 400}},
    }


@bp.route("/wp-json/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
def no_route(host, rest):
    return wp_error(
        "rest_no_route", "No route was found matching the URL and request method.", 404
    )
