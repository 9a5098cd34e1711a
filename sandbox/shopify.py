"""Shopify's Admin API as the sandbox serves it, below ``/shopify/<shop>``.

Below the shop prefix the paths are the real ones:

    GET  /admin/api/<version>/shop.json
    GET  /admin/api/<version>/orders.json       status, updated_at_min/max, limit,
                                                page_info, fields
    GET  /admin/api/<version>/products.json     limit, fields, page_info
    GET  /admin/api/<version>/locations.json
    POST /admin/api/<version>/graphql.json      the inventorySetQuantities mutation only
    GET  /admin/oauth/authorize                 the consent page; POST approves it
    POST /admin/oauth/access_token              code exchange and token refresh

REST calls go through a leaky bucket of 40 calls per shop draining 2 a second, with the
``X-Shopify-Shop-Api-Call-Limit`` header and 429 when full; GraphQL calls spend cost
points. Expiring tokens last an hour (the ``token_ttl`` seed option shortens that) and
each refresh replaces the refresh token. The app the sandbox knows is
``demo-shopify-app`` with the secret ``demo-shopify-app-secret-0001``.
"""

import base64
import functools
import hashlib
import hmac
import json
import math
import random
import re
import secrets
import time
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, redirect, request
from markupsafe import escape

from sandbox.platform import SandboxPlatform, enter, json_response, world
from sandbox.world import Shop

APP_CLIENT_ID = "demo-shopify-app"
APP_CLIENT_SECRET = "demo-shopify-app-secret-0001"
APP_NAME = "Warehouse Back Office (sandbox)"

DEMO_SHOP = "tokyo-store.myshopify.com"
DEMO_ACCESS_TOKEN = "shpat_demo_tokyo_0000000000000001"
DEMO_REFRESH_TOKEN = "shprt_demo_tokyo_0000000000000001"
TEST_SHOP = "kobe-test.myshopify.com"
TEST_ACCESS_TOKEN = "shpat_test_kobe_0000000000000001"
TEST_REFRESH_TOKEN = "shprt_test_kobe_0000000000000001"

ALL_SCOPES = "read_orders,read_products,write_inventory,read_locations"
KNOWN_SCOPES = frozenset(
    {
        "read_orders",
        "write_orders",
        "read_all_orders",
        "read_products",
        "write_products",
        "read_inventory",
        "write_inventory",
        "read_locations",
    }
)
TOKEN_TTL = 3600.0
REFRESH_TTL = 90 * 24 * 3600
CODE_TTL = 600
BUCKET_SIZE = 40
BUCKET_DRAIN = 2.0
POINTS_MAX = 2000.0
POINTS_RESTORE = 100.0
MUTATION_COST = 10
MAX_QUANTITIES = 250
MAX_LIMIT = 250
DEFAULT_LIMIT = 50
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
INVALID_TOKEN = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)
BUCKET_FULL = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume "
    "uninterrupted service."
)
VERSION = re.compile(r"^\d{4}-(01|04|07|10)$")
IDEMPOTENT = re.compile(r'@idempotent\(\s*key:\s*"([^"\\]{1,255})"\s*\)')
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_created",
        "other",
        "promotion",
        "received",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)

bp = Blueprint("shopify", __name__, url_prefix="/shopify/<shop>")


# signing, the way Shopify signs its redirects to an app


def _escaped(text, key):
    text = str(text).replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if key else text


def sign(params, secret=APP_CLIENT_SECRET):
    """The hex HMAC-SHA256 Shopify puts in ``hmac`` for ``params`` (a flat dict)."""
    message = "&".join(
        sorted(
            f"{_escaped(key, True)}={_escaped(value, False)}"
            for key, value in params.items()
            if key not in ("hmac", "signature")
        )
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed(params, secret=APP_CLIENT_SECRET):
    """``params`` with their ``hmac`` added, as Shopify sends them to an app."""
    return {**params, "hmac": sign(params, secret)}


def _host_param(shop):
    name = shop.removesuffix(".myshopify.com")
    return (
        base64.b64encode(f"admin.shopify.com/store/{name}".encode())
        .decode()
        .rstrip("=")
    )


# small helpers


def _gid(kind, number):
    return f"gid://shopify/{kind}/{number}"


def _gid_number(kind, value):
    prefix = f"gid://shopify/{kind}/"
    text = str(value or "")
    if text.startswith(prefix) and text[len(prefix) :].isdigit():
        return int(text[len(prefix) :])
    return None


def _stamp(epoch, offset):
    return datetime.fromtimestamp(epoch, timezone(offset)).isoformat(timespec="seconds")


def _money(amount):
    return f"{amount:.2f}"


def _encode_cursor(document):
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text):
    try:
        padded = text + "=" * (-len(text) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        return None
    return document if isinstance(document, dict) else None


def _bad_request(field, message):
    return json_response({"errors": {field: [message]}}, 400)


def _refuse(response):
    """Stop handling the request with ``response`` (used inside helpers)."""
    abort(response)


# the shop's state


class _Ids:
    """Deterministic ids in Shopify's ranges, distinct per shop."""

    BASES = {
        "product": 8_100_000_000_000,
        "variant": 44_100_000_000_000,
        "inventory_item": 46_200_000_000_000,
        "order": 5_900_000_000_000,
        "line": 14_800_000_000_000,
        "shipping_line": 4_700_000_000_000,
        "customer": 7_300_000_000_000,
        "location": 71_000_000_000,
    }

    def __init__(self, shop_number):
        self.next = {
            kind: base + shop_number * 10_000_000 for kind, base in self.BASES.items()
        }

    def __call__(self, kind):
        self.next[kind] += 1
        return self.next[kind]


def _new_state(shop, name, currency, offset_hours, plan):
    return {
        "name": name,
        "currency": currency,
        "offset": timedelta(hours=offset_hours),
        "plan": plan,
        "access": {},
        "refresh": {},
        "codes": {},
        "token_ttl": TOKEN_TTL,
        "products": [],
        "levels": {},
        "locations": [],
        "orders": {},
        "order_times": {},
        "order_index": None,
        "next_number": 1001,
        "bucket": {
            "level": 0.0,
            "at": time.monotonic(),
            "size": BUCKET_SIZE,
            "drain": BUCKET_DRAIN,
        },
        "points": {"available": POINTS_MAX, "at": time.monotonic()},
        "throttle_next": 0,
        "idempotency": {},
        "ids": _Ids(shop),
    }


def _issue(data, scope, expiring, now=None):
    """Create an access token (and, when expiring, a refresh token) for the shop."""
    now = time.time() if now is None else now
    access = "shpat_" + secrets.token_hex(16)
    if expiring:
        # only one expiring token is live per app and shop
        for token in [t for t, grant in data["access"].items() if grant["expiring"]]:
            del data["access"][token]
    data["access"][access] = {
        "expires": now + data["token_ttl"] if expiring else None,
        "scope": scope,
        "expiring": expiring,
    }
    refresh = None
    if expiring:
        refresh = "shprt_" + secrets.token_hex(16)
        data["refresh"][refresh] = {
            "expires": now + REFRESH_TTL,
            "scope": scope,
            "retire_on": None,
        }
    return access, refresh


def _authenticate(data, token):
    grant = data["access"].get(token or "")
    if grant is None:
        return None
    if grant["expires"] is not None and time.time() >= grant["expires"]:
        return None
    # the first use of a refreshed token retires the refresh token it replaced
    for old in [t for t, g in data["refresh"].items() if g["retire_on"] == token]:
        del data["refresh"][old]
    return grant


def _has_scope(granted, needed):
    scopes = set(granted.split(","))
    return needed in scopes or needed.replace("read_", "write_", 1) in scopes


def _take_call(data):
    """Count one REST call in the bucket; return ``(allowed, used, size, wait)``."""
    bucket = data["bucket"]
    now = time.monotonic()
    level = max(0.0, bucket["level"] - (now - bucket["at"]) * bucket["drain"])
    bucket["at"] = now
    if level + 1 > bucket["size"]:
        bucket["level"] = level
        wait = (level + 1 - bucket["size"]) / bucket["drain"]
        return (
            False,
            bucket["size"],
            bucket["size"],
            max(0.1, math.ceil(wait * 10) / 10),
        )
    bucket["level"] = level + 1
    return True, min(bucket["size"], math.ceil(bucket["level"])), bucket["size"], 0.0


def _spend_points(data, cost):
    """Spend GraphQL cost points; return ``(allowed, currently available)``."""
    points = data["points"]
    now = time.monotonic()
    points["available"] = min(
        POINTS_MAX, points["available"] + (now - points["at"]) * POINTS_RESTORE
    )
    points["at"] = now
    if data["throttle_next"] > 0:
        data["throttle_next"] -= 1
        return False, points["available"]
    if points["available"] < cost:
        return False, points["available"]
    points["available"] -= cost
    return True, points["available"]


def _cost(available, actual):
    return {
        "cost": {
            "requestedQueryCost": MUTATION_COST,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": POINTS_MAX,
                "currentlyAvailable": int(available),
                "restoreRate": POINTS_RESTORE,
            },
        }
    }


# catalogue and orders


FIRST_NAMES = [
    "Aoi",
    "Haruto",
    "Yui",
    "Sota",
    "Mei",
    "Ren",
    "Hina",
    "Yuto",
    "Sakura",
    "Kaito",
]
LAST_NAMES = [
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Ito",
    "Watanabe",
    "Yamamoto",
    "Kato",
]
CITIES_JP = [
    ("Shibuya-ku", "Tokyo", "JP-13", "150-0001"),
    ("Kita-ku", "Osaka", "JP-27", "530-0001"),
    ("Naka-ku", "Yokohama", "JP-14", "231-0001"),
    ("Chuo-ku", "Kobe", "JP-28", "650-0001"),
]
CITIES_US = [
    ("Brooklyn", "New York", "NY", "11201"),
    ("Austin", "Texas", "TX", "78701"),
    ("Portland", "Oregon", "OR", "97201"),
    ("Denver", "Colorado", "CO", "80202"),
]
PRICES_JPY = {
    "TEE": 2800,
    "HOODIE": 6800,
    "CAP": 3200,
    "TOTE": 2200,
    "MUG": 1800,
    "SOCK": 900,
    "SCARF": 4200,
    "POSTER": 1500,
}


def _variant(data, product_id, title, sku, price, quantity, position, tracked=True):
    ids = data["ids"]
    item = ids("inventory_item")
    variant = {
        "id": ids("variant"),
        "product_id": product_id,
        "title": title,
        "price": _money(price),
        "sku": sku,
        "position": position,
        "inventory_policy": "deny",
        "inventory_management": "shopify" if tracked else None,
        "inventory_item_id": item,
        "option1": title,
        "requires_shipping": tracked,
    }
    if tracked:
        location = next(place["id"] for place in data["locations"] if place["active"])
        data["levels"][item] = {location: quantity}
    else:
        data["levels"][item] = {}
    return variant


def _product(data, title, variants, created):
    """Add a product; ``variants`` holds ``(title, sku, price, quantity, tracked)``."""
    product_id = data["ids"]("product")
    stamp = _stamp(created, data["offset"])
    product = {
        "id": product_id,
        "title": title,
        "handle": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
        "vendor": data["name"],
        "product_type": title.split()[-1],
        "status": "active",
        "created_at": stamp,
        "updated_at": stamp,
        "variants": [
            _variant(data, product_id, v_title, sku, price, quantity, position, tracked)
            for position, (v_title, sku, price, quantity, tracked) in enumerate(
                variants, 1
            )
        ],
        "options": [{"name": "Title", "position": 1}],
    }
    data["products"].append(product)
    return product


def _location(data, name, city, country, active=True):
    data["locations"].append(
        {
            "id": data["ids"]("location"),
            "name": name,
            "address1": "1-2-3 Example",
            "city": city,
            "country_code": country,
            "active": active,
            "legacy": False,
        }
    )


def _variants_with_sku(data):
    return [
        (product, variant)
        for product in data["products"]
        for variant in product["variants"]
        if variant["sku"] and variant["sku"].strip() and variant["inventory_management"]
    ]


def _product_line(data, product, variant, quantity):
    return {
        "id": data["ids"]("line"),
        "variant_id": variant["id"],
        "product_id": product["id"],
        "sku": variant["sku"],
        "title": product["title"],
        "variant_title": variant["title"],
        "name": f"{product['title']} - {variant['title']}",
        "quantity": quantity,
        "price": variant["price"],
        "requires_shipping": True,
        "fulfillable_quantity": quantity,
    }


def _custom_line(data, title, price, sku=None):
    return {
        "id": data["ids"]("line"),
        "variant_id": None,
        "product_id": None,
        "sku": sku,
        "title": title,
        "variant_title": None,
        "name": title,
        "quantity": 1,
        "price": _money(price),
        "requires_shipping": False,
        "fulfillable_quantity": 1,
    }


def _shipping(data, code, title, price):
    return {
        "id": data["ids"]("shipping_line"),
        "code": code,
        "title": title,
        "price": _money(price),
        "source": "shopify",
    }


def _address(data, first, last, rng):
    japan = data["currency"] == "JPY"
    if japan:
        street = f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)} Sakura"
    else:
        street = f"{rng.randint(10, 999)} Main Street"
    city, province, province_code, postal = rng.choice(
        CITIES_JP if japan else CITIES_US
    )
    return {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "company": None,
        "address1": street,
        "address2": None,
        "city": city,
        "province": province,
        "province_code": province_code,
        "zip": postal,
        "country": "Japan" if japan else "United States",
        "country_code": "JP" if japan else "US",
        "phone": None,
    }


def _add_order(
    data,
    created,
    updated,
    lines,
    shipping_lines,
    rng,
    *,
    address=True,
    cancelled=False,
    fulfilled=False,
):
    """Add one order dated ``created``/``updated`` (epoch seconds); return its id."""
    ids = data["ids"]
    number = data["next_number"]
    data["next_number"] += 1
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first}.{last}.{number}@example.com".lower()
    subtotal = sum(float(line["price"]) * line["quantity"] for line in lines)
    shipping_total = sum(float(line["price"]) for line in shipping_lines)
    offset = data["offset"]
    order_id = ids("order")
    order = {
        "id": order_id,
        "admin_graphql_api_id": _gid("Order", order_id),
        "name": f"#{number}",
        "order_number": number,
        "number": number - 1000,
        "email": email,
        "created_at": _stamp(created, offset),
        "updated_at": _stamp(updated, offset),
        "processed_at": _stamp(created, offset),
        "cancelled_at": _stamp(updated, offset) if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "closed_at": _stamp(updated, offset) if fulfilled and not cancelled else None,
        "currency": data["currency"],
        "presentment_currency": data["currency"],
        "subtotal_price": _money(subtotal),
        "total_tax": "0.00",
        "total_price": _money(subtotal + shipping_total),
        "financial_status": "voided" if cancelled else "paid",
        "fulfillment_status": "fulfilled" if fulfilled and not cancelled else None,
        "tags": "",
        "note": None,
        "customer": {
            "id": ids("customer"),
            "email": email,
            "first_name": first,
            "last_name": last,
        },
        "shipping_address": _address(data, first, last, rng) if address else None,
        "line_items": lines,
        "shipping_lines": shipping_lines,
    }
    data["orders"][order_id] = order
    data["order_times"][order_id] = int(updated)
    data["order_index"] = None
    return order_id


def _regular_shipping(data, rng):
    if data["currency"] == "JPY":
        choices = [
            ("standard", "Standard", 600),
            ("express", "Express", 1200),
            ("", "Store pickup", 0),
        ]
    else:
        choices = [
            ("standard", "Standard", 6.5),
            ("express", "Express", 14.0),
            ("", "Local pickup", 0),
        ]
    code, title, price = rng.choices(choices, weights=[6, 3, 1])[0]
    return [_shipping(data, code, title, price)]


def _random_order(data, rng, created, updated, line_count, variants, *, index=0):
    lines = [
        _product_line(data, product, variant, rng.randint(1, 3))
        for product, variant in rng.sample(variants, min(line_count, len(variants)))
    ]
    shipping = _regular_shipping(data, rng)
    address = True
    if index % 17 == 5:
        lines.append(
            _custom_line(data, "Gift wrapping", 300 if data["currency"] == "JPY" else 4)
        )
    if index % 23 == 7:
        # a second shipping line: the first one's code (or title) is the one that counts
        shipping = [_shipping(data, "", "Same-day courier", 900)] + _regular_shipping(
            data, rng
        )
    if index % 29 == 11:
        lines = [
            _custom_line(
                data,
                "Digital gift card",
                5000 if data["currency"] == "JPY" else 50,
                sku="",
            )
        ]
        shipping, address = [], False
    return _add_order(
        data,
        created,
        updated,
        lines,
        shipping,
        rng,
        address=address,
        cancelled=index % 13 == 3,
        fulfilled=updated < time.time() - 3 * 86400 and index % 3 == 0,
    )


def _order_index(data):
    """Orders sorted by (updated_at, id), rebuilt after changes."""
    if data["order_index"] is None:
        data["order_index"] = sorted((t, i) for i, t in data["order_times"].items())
    return data["order_index"]


def _seed_tokyo(world_, rng, now):
    from services.demo import demo_products

    shop = world_.add(Shop("shopify", DEMO_SHOP))
    data = shop.data
    data.update(_new_state(1, "Tokyo Store", "JPY", 9, "basic"))
    data["access"][DEMO_ACCESS_TOKEN] = {
        "expires": None,
        "scope": ALL_SCOPES,
        "expiring": False,
    }
    data["refresh"][DEMO_REFRESH_TOKEN] = {
        "expires": now + REFRESH_TTL,
        "scope": ALL_SCOPES,
        "retire_on": None,
    }
    _location(data, "Tokyo Warehouse", "Koto-ku", "JP")

    # one product per family and colour, its variants the demo SKUs
    groups = {}
    for item in demo_products():
        family, colour, number = item["sku"].split("-")
        groups.setdefault((family, colour), []).append((item, number))
    created = now - 200 * 86400
    for (family, _), members in groups.items():
        title = f"{members[0][0]['name'].split(' #')[0]}"
        _product(
            data,
            title,
            [
                (
                    f"#{number}",
                    item["sku"],
                    PRICES_JPY[family],
                    rng.randint(0, 60),
                    True,
                )
                for item, number in members
            ],
            created,
        )
    skus = [item["sku"] for item in demo_products()]
    _product(
        data,
        "Gift Card",
        [("3000 yen", "", 3000, 0, False), ("5000 yen", None, 5000, 0, False)],
        created,
    )
    _product(
        data,
        "Sample Pack",
        [
            ("Small", "SAMPLE-PACK-S", 500, 40, True),
            ("Large", "SAMPLE-PACK-L", 900, 25, True),
        ],
        created,
    )
    # a bundle reusing a SKU, and an old listing with the SKU in other case and spaces
    _product(
        data,
        "Tee Bundle",
        [("Single", skus[7], 2800, 5, True), ("Pair", "BUNDLE-TEE-2", 5200, 3, True)],
        created,
    )
    mug = next(sku for sku in skus if sku.startswith("MUG-"))
    _product(
        data,
        "Mug (old listing)",
        [("Default Title", f"  {mug.lower()} ", 1800, 2, True)],
        created,
    )

    variants = _variants_with_sku(data)
    for index in range(120):
        placed = now - rng.uniform(0.2, 14) * 86400
        updated = min(now - 60, placed + rng.uniform(0, 2) * 86400)
        _random_order(
            data,
            rng,
            int(placed),
            int(updated),
            rng.randint(1, 3),
            variants,
            index=index,
        )
    # a bulk tag edit touched forty orders in the same second
    bulk_edit = int(now - 86400)
    for index in range(40):
        placed = now - rng.uniform(2, 10) * 86400
        _random_order(
            data,
            rng,
            int(placed),
            bulk_edit,
            rng.randint(1, 2),
            variants,
            index=index + 200,
        )


def _seed_kobe(world_, rng, now):
    shop = world_.add(Shop("shopify", TEST_SHOP))
    data = shop.data
    data.update(_new_state(2, "Kobe Test Shop", "USD", -5, "shopify_plus"))
    data["access"][TEST_ACCESS_TOKEN] = {
        "expires": now + TOKEN_TTL,
        "scope": ALL_SCOPES,
        "expiring": True,
    }
    data["refresh"][TEST_REFRESH_TOKEN] = {
        "expires": now + REFRESH_TTL,
        "scope": ALL_SCOPES,
        "retire_on": None,
    }
    # a closed pop-up first: stock goes to the first active location
    _location(data, "Closed pop-up", "Kobe", "JP", active=False)
    _location(data, "Kobe Warehouse", "Kobe", "JP")
    created = now - 100 * 86400
    for number in range(1, 31):
        _product(
            data,
            f"Kobe Shirt {number:02d}",
            [
                (size, f"KOBE-{number:03d}-{size}", 20 + number, 10 + number % 7, True)
                for size in ("S", "M", "L")
            ],
            created,
        )
    _product(data, "Kobe Sticker", [("Default Title", "", 2, 100, True)], created)

    # five hand-made orders, #1001 to #1005, for the parsing tests
    base = int(now - 5 * 86400)
    shirt = data["products"][0]
    s, m = shirt["variants"][0], shirt["variants"][1]
    _add_order(
        data,
        base,
        base + 60,
        [_product_line(data, shirt, s, 2), _product_line(data, shirt, m, 1)],
        [_shipping(data, "standard", "Standard", 6.5)],
        rng,
    )
    _add_order(
        data,
        base + 10,
        base + 3600,
        [_product_line(data, shirt, s, 1)],
        [_shipping(data, "express", "Express", 14)],
        rng,
        cancelled=True,
    )
    _add_order(
        data,
        base + 20,
        base + 120,
        [
            _custom_line(data, "Engraving", 12.5),
            _custom_line(data, "Gift note", 0, sku=""),
            _product_line(data, shirt, m, 1),
        ],
        [],
        rng,
        address=False,
    )
    _add_order(
        data,
        base + 30,
        base + 180,
        [_product_line(data, shirt, s, 1)],
        [
            _shipping(data, "", "Local Delivery", 5),
            _shipping(data, "express", "Express", 14),
        ],
        rng,
    )
    _add_order(
        data,
        base + 40,
        base + 240,
        [_product_line(data, shirt, m, 4)],
        [_shipping(data, "standard", "Standard", 6.5)],
        rng,
        fulfilled=True,
    )

    # six hundred more; three hundred share one updated_at across two page borders
    variants = _variants_with_sku(data)
    same_second = int(now - 2 * 86400)
    for index in range(595):
        placed = now - rng.uniform(3, 20) * 86400
        updated = (
            same_second if 150 <= index < 450 else int(placed + rng.uniform(0, 86400))
        )
        _random_order(
            data,
            rng,
            int(placed),
            min(int(now - 60), updated),
            rng.randint(1, 3),
            variants,
            index=index,
        )


# the API


def _shop_state(key):
    shop = world().get("shopify", key)
    if shop is None:
        abort(Response("Not Found", status=404, mimetype="text/plain"))
    return shop


def _api(scope=None, rest=True):
    """Wrap an Admin API view: faults, version, token, scope, then the bucket."""

    def decorate(view):
        @functools.wraps(view)
        def handle(shop, version, **kwargs):
            state = _shop_state(shop)
            blocked = enter(PLATFORM, state)
            if blocked is not None:
                return blocked
            if not VERSION.match(version):
                return json_response({"errors": "Not Found"}, 404)
            with world().lock:
                data = state.data
                grant = _authenticate(
                    data, request.headers.get("X-Shopify-Access-Token")
                )
                if grant is None:
                    return PLATFORM.error_response(401, INVALID_TOKEN)
                if rest and scope and not _has_scope(grant["scope"], scope):
                    return PLATFORM.error_response(
                        403,
                        "[API] This action requires merchant approval for "
                        f"{scope} scope.",
                    )
                if rest:
                    allowed, used, size, wait = _take_call(data)
                    if not allowed:
                        response = PLATFORM.error_response(429, BUCKET_FULL)
                        response.headers["Retry-After"] = f"{wait:.1f}"
                        response.headers[CALL_LIMIT_HEADER] = f"{used}/{size}"
                        return response
                response = view(state, version, grant, **kwargs)
            if rest:
                response.headers[CALL_LIMIT_HEADER] = f"{used}/{size}"
            response.headers["X-Shopify-API-Version"] = version
            return response

        return handle

    return decorate


def _limit():
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        _refuse(_bad_request("limit", f"must be a whole number from 1 to {MAX_LIMIT}"))
    return int(raw)


def _only_fields(document, fields):
    if not fields:
        return document
    wanted = {name.strip() for name in fields.split(",")}
    return {key: value for key, value in document.items() if key in wanted}


def _cursor_args():
    """The page_info cursor, refusing the filters it must not be combined with."""
    token = request.args.get("page_info")
    if token is None:
        return None
    extra = set(request.args) - {"page_info", "limit", "fields"}
    if extra:
        _refuse(
            _bad_request(
                "page_info",
                "cannot be combined with other parameters than limit and fields; "
                f"got {', '.join(sorted(extra))}",
            )
        )
    cursor = _decode_cursor(token)
    if cursor is None or not isinstance(cursor.get("f"), dict):
        _refuse(_bad_request("page_info", "is invalid"))
    return cursor


def _page_url(fields, limit, cursor):
    query = {"limit": limit, "fields": fields, "page_info": _encode_cursor(cursor)}
    query = {k: v for k, v in query.items() if v is not None}
    return f"{request.host_url.rstrip('/')}{request.path}?{urlencode(query)}"


def _paged(keys, cursor, limit):
    """Slice ``keys`` (sorted) after or before the cursor; return the page and flags."""
    if cursor and "before" in cursor:
        end = bisect_left(keys, tuple(cursor["before"]))
        start = max(0, end - limit)
        return keys[start:end], start > 0, end < len(keys)
    start = (
        bisect_right(keys, tuple(cursor["after"]))
        if cursor and "after" in cursor
        else 0
    )
    page = keys[start : start + limit]
    return page, start > 0, start + limit < len(keys)


def _link_header(page, has_previous, has_next, filters, fields, limit):
    links = []
    if page and has_previous:
        cursor = {"f": filters, "before": list(page[0])}
        links.append(f'<{_page_url(fields, limit, cursor)}>; rel="previous"')
    if page and has_next:
        cursor = {"f": filters, "after": list(page[-1])}
        links.append(f'<{_page_url(fields, limit, cursor)}>; rel="next"')
    return ", ".join(links)


def _when(name, offset):
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        _refuse(_bad_request(name, "must be an ISO 8601 date and time"))
    if moment.tzinfo is None:
        # a time without offset is read in the shop's time zone, as Shopify does
        moment = moment.replace(tzinfo=timezone(offset))
    return moment.timestamp()


@bp.get("/admin/api/<version>/shop.json")
@_api()
def shop_json(state, version, grant):
    data = state.data
    return json_response(
        {
            "shop": {
                "id": 60_000_000_000 + len(state.key),
                "name": data["name"],
                "email": f"owner@{state.key}",
                "domain": state.key,
                "myshopify_domain": state.key,
                "currency": data["currency"],
                "plan_name": data["plan"],
                "plan_display_name": data["plan"].replace("_", " ").title(),
                "iana_timezone": "Asia/Tokyo"
                if data["currency"] == "JPY"
                else "America/New_York",
            }
        }
    )


@bp.get("/admin/api/<version>/orders.json")
@_api(scope="read_orders")
def orders_json(state, version, grant):
    data = state.data
    limit = _limit()
    fields = request.args.get("fields")
    cursor = _cursor_args()
    if cursor:
        filters = cursor["f"]
    else:
        status = request.args.get("status", "open")
        if status not in ("open", "closed", "cancelled", "any"):
            return _bad_request("status", "must be one of open, closed, cancelled, any")
        filters = {
            "status": status,
            "min": _when("updated_at_min", data["offset"]),
            "max": _when("updated_at_max", data["offset"]),
        }

    index = _order_index(data)
    low = (
        0
        if filters["min"] is None
        else bisect_left(index, (math.ceil(filters["min"]), 0))
    )
    high = (
        len(index)
        if filters["max"] is None
        else bisect_right(index, (math.floor(filters["max"]), float("inf")))
    )
    orders = data["orders"]
    status = filters["status"]
    keys = [
        key
        for key in index[low:high]
        if status == "any"
        or (
            status == "open"
            and not orders[key[1]]["cancelled_at"]
            and not orders[key[1]]["closed_at"]
        )
        or (status == "closed" and orders[key[1]]["closed_at"])
        or (status == "cancelled" and orders[key[1]]["cancelled_at"])
    ]
    page, has_previous, has_next = _paged(keys, cursor, limit)
    body = {"orders": [_only_fields(orders[key[1]], fields) for key in page]}
    headers = {}
    link = _link_header(page, has_previous, has_next, filters, fields, limit)
    if link:
        headers["Link"] = link
    return json_response(body, headers=headers)


def _product_document(data, product):
    document = dict(product)
    document["variants"] = []
    for variant in product["variants"]:
        variant = dict(variant)
        variant["inventory_quantity"] = sum(
            data["levels"][variant["inventory_item_id"]].values()
        )
        document["variants"].append(variant)
    return document


@bp.get("/admin/api/<version>/products.json")
@_api(scope="read_products")
def products_json(state, version, grant):
    data = state.data
    limit = _limit()
    fields = request.args.get("fields")
    cursor = _cursor_args()
    keys = [(product["id"],) for product in data["products"]]
    by_id = {product["id"]: product for product in data["products"]}
    page, has_previous, has_next = _paged(keys, cursor, limit)
    body = {
        "products": [
            _only_fields(_product_document(data, by_id[key[0]]), fields) for key in page
        ]
    }
    link = _link_header(page, has_previous, has_next, {}, fields, limit)
    return json_response(body, headers={"Link": link} if link else None)


@bp.get("/admin/api/<version>/locations.json")
@_api(scope="read_locations")
def locations_json(state, version, grant):
    return json_response({"locations": state.data["locations"]})


def _graphql_error(message, code, available=None, status=200, **more):
    document = {"errors": [{"message": message, "extensions": {"code": code}, **more}]}
    if available is not None:
        document["extensions"] = _cost(available, None)
    return json_response(document, status)


def _check_quantities(data, version, payload):
    """The userErrors of an inventorySetQuantities input (empty when it applies)."""
    found = []
    modern = version >= "2026-04"
    if payload.get("name") not in ("available", "on_hand"):
        found.append(
            (
                "INVALID_NAME",
                ["input", "name"],
                "The quantity name must be available or on_hand.",
            )
        )
    if payload.get("reason") not in REASONS:
        found.append(
            (
                "INVALID_REASON",
                ["input", "reason"],
                "The reason is not a known inventory reason.",
            )
        )
    active = {place["id"] for place in data["locations"] if place["active"]}
    known_locations = {place["id"] for place in data["locations"]}
    seen = set()
    for index, entry in enumerate(payload.get("quantities") or []):
        path = ["input", "quantities", str(index)]
        entry = entry if isinstance(entry, dict) else {}
        item = _gid_number("InventoryItem", entry.get("inventoryItemId"))
        location = _gid_number("Location", entry.get("locationId"))
        quantity = entry.get("quantity")
        if item is None or item not in data["levels"]:
            found.append(
                (
                    "INVALID_INVENTORY_ITEM",
                    path + ["inventoryItemId"],
                    "The specified inventory item could not be found.",
                )
            )
            continue
        if location not in known_locations:
            found.append(
                (
                    "INVALID_LOCATION",
                    path + ["locationId"],
                    "The specified location could not be found.",
                )
            )
            continue
        if location not in active or location not in data["levels"][item]:
            found.append(
                (
                    "ITEM_NOT_STOCKED_AT_LOCATION",
                    path + ["locationId"],
                    "The specified inventory item is not stocked at the location.",
                )
            )
            continue
        if (item, location) in seen:
            found.append(
                (
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                    path + ["inventoryItemId"],
                    "The same inventory item and location appear more than once.",
                )
            )
            continue
        seen.add((item, location))
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            found.append(
                (
                    "INVALID_QUANTITY",
                    path + ["quantity"],
                    "The quantity must be an integer.",
                )
            )
        elif quantity < 0:
            found.append(
                (
                    "INVALID_QUANTITY_NEGATIVE",
                    path + ["quantity"],
                    "The quantity can't be negative.",
                )
            )
        elif quantity > 1_000_000_000:
            found.append(
                (
                    "INVALID_QUANTITY_TOO_HIGH",
                    path + ["quantity"],
                    "The quantity can't be higher than 1,000,000,000.",
                )
            )
        current = data["levels"][item][location]
        if modern:
            if "changeFromQuantity" not in entry:
                found.append(
                    (
                        "CHANGE_FROM_QUANTITY_REQUIRED",
                        path + ["changeFromQuantity"],
                        "changeFromQuantity must be given; null skips the check.",
                    )
                )
            elif (
                entry["changeFromQuantity"] is not None
                and entry["changeFromQuantity"] != current
            ):
                found.append(
                    (
                        "CHANGE_FROM_QUANTITY_STALE",
                        path + ["changeFromQuantity"],
                        "The changeFromQuantity doesn't match the persisted value.",
                    )
                )
        elif (
            not payload.get("ignoreCompareQuantity")
            and entry.get("compareQuantity") != current
        ):
            found.append(
                (
                    "COMPARE_QUANTITY_STALE",
                    path + ["compareQuantity"],
                    "The compareQuantity doesn't match the persisted value.",
                )
            )
    return [
        {"code": code, "field": field, "message": message}
        for code, field, message in found
    ]


@bp.post("/admin/api/<version>/graphql.json")
@_api(rest=False)
def graphql_json(state, version, grant):
    data = state.data
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return json_response(
            {"errors": {"query": "Required parameter missing or invalid"}}, 400
        )
    query = body["query"]
    if not re.search(r"\binventorySetQuantities\s*\(", query):
        return _graphql_error(
            "The sandbox serves only the inventorySetQuantities mutation.",
            "undefinedField",
        )
    allowed, available = _spend_points(data, MUTATION_COST)
    if not allowed:
        return _graphql_error(
            "Throttled",
            "THROTTLED",
            available,
            documentation="https://shopify.dev/api/usage/rate-limits",
        )
    if not _has_scope(grant["scope"], "write_inventory"):
        return _graphql_error(
            "Access denied for inventorySetQuantities field. Required access: "
            "`write_inventory` access scope.",
            "ACCESS_DENIED",
            available,
        )

    key = IDEMPOTENT.search(query)
    if key and version < "2026-01":
        return _graphql_error(
            "Directive 'idempotent' is not defined", "undefinedDirective", available
        )
    if not key and version >= "2026-04":
        return _graphql_error(
            "The @idempotent directive is required for this mutation.",
            "IDEMPOTENCY_KEY_REQUIRED",
            available,
        )
    payload = (body.get("variables") or {}).get("input")
    if not isinstance(payload, dict) or not isinstance(payload.get("quantities"), list):
        return _graphql_error(
            "Variable $input of type InventorySetQuantitiesInput! was provided "
            "invalid value; the sandbox reads the input from variables.",
            "INVALID_VARIABLE",
            available,
        )
    if version >= "2026-04" and "ignoreCompareQuantity" in payload:
        return _graphql_error(
            "Variable $input of type InventorySetQuantitiesInput! was provided "
            "invalid value for ignoreCompareQuantity (Field is not defined on "
            "InventorySetQuantitiesInput)",
            "INVALID_VARIABLE",
            available,
        )
    if len(payload["quantities"]) > MAX_QUANTITIES:
        return _graphql_error(
            f"The input array size of {len(payload['quantities'])} is greater than the "
            f"maximum allowed of {MAX_QUANTITIES}.",
            "MAX_INPUT_SIZE_EXCEEDED",
            available,
            path=["inventorySetQuantities", "input", "quantities"],
        )
    if key and key.group(1) in data["idempotency"]:
        # a repeated key answers what the first request got, without applying twice
        return json_response(
            {
                **data["idempotency"][key.group(1)],
                "extensions": _cost(available, MUTATION_COST),
            }
        )

    user_errors = _check_quantities(data, version, payload)
    group = None
    if not user_errors:
        # all or nothing: one refused quantity keeps every other one from applying
        changes = []
        for entry in payload["quantities"]:
            item = _gid_number("InventoryItem", entry["inventoryItemId"])
            location = _gid_number("Location", entry["locationId"])
            before = data["levels"][item][location]
            data["levels"][item][location] = entry["quantity"]
            changes.append(
                {
                    "name": payload["name"],
                    "delta": entry["quantity"] - before,
                    "quantityAfterChange": entry["quantity"],
                }
            )
        group = {"reason": payload["reason"], "changes": changes}
    document = {
        "data": {
            "inventorySetQuantities": {
                "inventoryAdjustmentGroup": group,
                "userErrors": user_errors,
            }
        }
    }
    if key:
        data["idempotency"][key.group(1)] = document
    return json_response({**document, "extensions": _cost(available, MUTATION_COST)})


# OAuth


def _consent_page(shop, scopes):
    items = "".join(f"<li>{escape(scope)}</li>" for scope in scopes)
    page = (
        "<!DOCTYPE html><html><head><title>Install app</title></head><body>"
        f"<h1>Install {escape(APP_NAME)}</h1>"
        f"<p>{escape(APP_NAME)} asks for access to <strong>{escape(shop)}</strong>:</p>"
        f"<ul>{items}</ul>"
        f'<form method="post" action="{escape(request.full_path)}">'
        '<button type="submit" name="decision" value="approve">Approve</button>'
        "</form><p>Sandbox consent page; no Shopify account is involved.</p>"
        "</body></html>"
    )
    return Response(page, mimetype="text/html")


def _oauth_page_error(message, status=400):
    page = (
        "<!DOCTYPE html><html><head><title>Oauth error</title></head><body>"
        f"<h1>Oauth error invalid_request</h1><p>{escape(message)}</p></body></html>"
    )
    return Response(page, status=status, mimetype="text/html")


@bp.route("/admin/oauth/authorize", methods=["GET", "POST"])
def authorize(shop):
    state = _shop_state(shop)
    blocked = enter(PLATFORM, state)
    if blocked is not None:
        return blocked
    args = request.args
    if args.get("client_id") != APP_CLIENT_ID:
        return _oauth_page_error(
            "The api_key (client_id) is not that of an app the shop knows."
        )
    redirect_uri = args.get("redirect_uri", "")
    target = urlsplit(redirect_uri)
    if target.scheme not in ("http", "https") or not target.netloc or target.fragment:
        return _oauth_page_error("The redirect_uri must be an absolute http(s) URL.")
    scopes = [s.strip() for s in args.get("scope", "").split(",") if s.strip()]
    unknown = [s for s in scopes if s not in KNOWN_SCOPES]
    if not scopes or unknown:
        return _oauth_page_error(
            f"The scope is empty or unknown: {', '.join(unknown)}."
        )
    if request.method == "GET":
        return _consent_page(shop, scopes)

    code = secrets.token_hex(16)
    with world().lock:
        state.data["codes"][code] = {
            "expires": time.time() + CODE_TTL,
            "scope": ",".join(scopes),
        }
    params = {
        "code": code,
        "host": _host_param(shop),
        "shop": shop,
        "state": args.get("state", ""),
        "timestamp": str(int(time.time())),
    }
    joiner = "&" if target.query else "?"
    return redirect(f"{redirect_uri}{joiner}{urlencode(signed(params))}", code=302)


def _token_error(error, description, status=400):
    return json_response({"error": error, "error_description": description}, status)


@bp.post("/admin/oauth/access_token")
def access_token(shop):
    state = _shop_state(shop)
    blocked = enter(PLATFORM, state)
    if blocked is not None:
        return blocked
    form = request.get_json(silent=True) if request.is_json else request.form
    form = form if isinstance(form, dict) or hasattr(form, "get") else {}
    if form.get("client_id") != APP_CLIENT_ID or not hmac.compare_digest(
        str(form.get("client_secret", "")).encode(), APP_CLIENT_SECRET.encode()
    ):
        return _token_error("invalid_client", "Client authentication failed.", 401)
    data = state.data
    now = time.time()
    with world().lock:
        if form.get("grant_type") == "refresh_token":
            old = str(form.get("refresh_token", ""))
            grant = data["refresh"].get(old)
            if grant is None or now >= grant["expires"]:
                return _token_error(
                    "invalid_grant", "The refresh token is invalid, expired or revoked."
                )
            access, refresh = _issue(data, grant["scope"], True, now)
            # the used refresh token lives on until the new access token is first used
            for token in [t for t in data["refresh"] if t not in (old, refresh)]:
                del data["refresh"][token]
            data["refresh"][old]["retire_on"] = access
            scope = grant["scope"]
            expiring = True
        elif form.get("grant_type") in (None, "", "authorization_code"):
            grant = data["codes"].pop(str(form.get("code", "")), None)
            if grant is None or now >= grant["expires"]:
                return _token_error(
                    "invalid_request",
                    "The authorization code was not found or was already used.",
                )
            expiring = str(form.get("expiring", "")) == "1"
            scope = grant["scope"]
            access, refresh = _issue(data, scope, expiring, now)
        else:
            return _token_error(
                "unsupported_grant_type", "The grant_type is not supported."
            )
        ttl = data["token_ttl"]
    document = {"access_token": access, "scope": scope}
    if expiring:
        document.update(
            expires_in=int(ttl) if float(ttl).is_integer() else ttl,
            refresh_token=refresh,
            refresh_token_expires_in=REFRESH_TTL,
        )
    return json_response(document)


# the platform object the sandbox app and its controls use


def _refuse_options(options, known):
    unknown = sorted(set(options) - set(known))
    if unknown:
        _refuse(
            json_response(
                {
                    "error": f"unknown option(s) {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                },
                400,
            )
        )


def _number(options, name, default, low, high, kind=int):
    value = options.get(name, default)
    try:
        value = kind(value)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        _refuse(
            json_response(
                {"error": f"{name} must be a number from {low} to {high}"}, 400
            )
        )
    return value


class ShopifySandbox(SandboxPlatform):
    """The Shopify shops of the sandbox and the hooks the controls call."""

    name = "shopify"
    blueprint = bp

    def seed(self, world_, rng):
        """Seed the demo shop (tokyo-store) and the test shop (kobe-test)."""
        now = int(time.time()) // 60 * 60
        _seed_tokyo(world_, rng, now)
        _seed_kobe(world_, rng, now)

    def add_orders(self, shop, count, **options):
        """Add ``count`` orders placed and updated now (option ``lines``, 1 to 10)."""
        _refuse_options(options, {"lines"})
        lines = _number(options, "lines", 2, 1, 10)
        data = shop.data
        rng = _rng(data)
        variants = _variants_with_sku(data)
        now = int(time.time())
        return [
            _random_order(
                data, rng, now, now, lines, variants, index=data["next_number"]
            )
            for _ in range(count)
        ]

    def bulk_seed(self, shop, **options):
        """Replace orders or products, or change the shop's limits and token lifetime.

        Options: ``orders`` (count), ``lines`` (per order), ``same_timestamp_every``
        (orders in a row sharing one updated_at), ``days`` (spread); ``products``
        (count) and ``variants`` (per product); ``token_ttl`` (seconds, also applied
        to the live expiring tokens); ``bucket_level``, ``bucket_size``,
        ``bucket_drain``; ``graphql_available``; ``throttle_next`` (GraphQL calls to
        answer Throttled).
        """
        known = {
            "orders",
            "lines",
            "same_timestamp_every",
            "days",
            "products",
            "variants",
            "token_ttl",
            "bucket_level",
            "bucket_size",
            "bucket_drain",
            "graphql_available",
            "throttle_next",
        }
        _refuse_options(options, known)
        data = shop.data
        result = {}
        if "orders" in options:
            result["orders"] = self._bulk_orders(data, options)
        if "products" in options:
            result["products"] = self._bulk_products(data, options)
        if "token_ttl" in options:
            ttl = _number(options, "token_ttl", TOKEN_TTL, 0.1, 86400, float)
            data["token_ttl"] = ttl
            now = time.time()
            for grant in data["access"].values():
                if grant["expiring"]:
                    grant["expires"] = now + ttl
            result["token_ttl"] = ttl
        bucket = data["bucket"]
        if "bucket_size" in options:
            bucket["size"] = _number(options, "bucket_size", BUCKET_SIZE, 1, 10_000)
        if "bucket_drain" in options:
            bucket["drain"] = _number(
                options, "bucket_drain", BUCKET_DRAIN, 0.1, 100_000, float
            )
        if "bucket_level" in options:
            bucket["level"] = _number(
                options, "bucket_level", 0, 0, bucket["size"], float
            )
            bucket["at"] = time.monotonic()
        if "graphql_available" in options:
            data["points"] = {
                "available": _number(
                    options, "graphql_available", POINTS_MAX, 0, POINTS_MAX, float
                ),
                "at": time.monotonic(),
            }
        if "throttle_next" in options:
            data["throttle_next"] = _number(options, "throttle_next", 0, 0, 100)
        return result

    def _bulk_orders(self, data, options):
        count = _number(options, "orders", 0, 0, 100_000)
        lines = _number(options, "lines", 2, 1, 10)
        every = _number(options, "same_timestamp_every", 1, 1, 100_000)
        days = _number(options, "days", 30, 1, 59, float)
        data["orders"].clear()
        data["order_times"].clear()
        data["order_index"] = None
        rng = _rng(data)
        variants = _variants_with_sku(data)
        now = int(time.time()) - 60
        groups = max(1, math.ceil(count / every))
        step = max(1, int(days * 86400 / groups))
        start = now - step * groups
        for index in range(count):
            updated = start + (index // every) * step
            _random_order(
                data, rng, updated - 3600, updated, lines, variants, index=index
            )
        return count

    def _bulk_products(self, data, options):
        count = _number(options, "products", 0, 0, 50_000)
        per_product = _number(options, "variants", 2, 1, 100)
        data["products"].clear()
        data["levels"].clear()
        created = int(time.time()) - 86400
        for number in range(1, count + 1):
            _product(
                data,
                f"Load Product {number:05d}",
                [
                    (f"V{v}", f"LOAD-{number:05d}-{v}", 10, 10, True)
                    for v in range(1, per_product + 1)
                ],
                created,
            )
        return count

    def stock(self, shop):
        """Stock by SKU (summed over variants sharing one), inventory item, variant."""
        data = shop.data
        by_sku, by_item, by_variant = {}, {}, {}
        for product in data["products"]:
            for variant in product["variants"]:
                quantity = sum(data["levels"][variant["inventory_item_id"]].values())
                by_item[str(variant["inventory_item_id"])] = quantity
                by_variant[str(variant["id"])] = quantity
                if variant["sku"] and variant["sku"].strip():
                    sku = variant["sku"]
                    by_sku[sku] = by_sku.get(sku, 0) + quantity
        return {
            "by_sku": by_sku,
            "by_inventory_item": by_item,
            "by_variant": by_variant,
        }

    def revoke(self, shop):
        """Invalidate every access token, refresh token and code of the shop."""
        shop.data["access"].clear()
        shop.data["refresh"].clear()
        shop.data["codes"].clear()

    def error_response(self, status, message):
        """Shopify's error shape, with its own texts for 401 and 429."""
        texts = {401: INVALID_TOKEN, 429: BUCKET_FULL, 500: "Internal Server Error"}
        return json_response({"errors": texts.get(status, message)}, status)


def _rng(data):
    data.setdefault(
        "rng", random.Random(len(data["orders"]) * 7919 + data["next_number"])
    )
    return data["rng"]


PLATFORM = ShopifySandbox()
