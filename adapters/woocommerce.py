"""WooCommerce: consumer key and secret, a mapping table of products and variations.

The adapter speaks the REST API v3 under ``{site}/wp-json/wc/v3``. Simple products and
the variations of variable products are the listings; stock goes out through the batch
endpoints, at most 100 items a request. See ``docs/platforms/woocommerce.md``.
"""

import logging
import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode, urlsplit

from adapters import errors
from adapters.base import (
    KEY,
    TABLE,
    Capabilities,
    CredentialField,
    PlatformAdapter,
    PlatformSpec,
)
from adapters.http import parse_json
from adapters.registry import register
from adapters.types import (
    Address,
    ConnectionInfo,
    Listing,
    Order,
    OrderLine,
    StockOutcome,
)
from adapters.validation import check_site_url

logger = logging.getLogger(__name__)

API_PATH = "/wp-json/wc/v3"
# the largest page the API serves, and the largest batch it accepts (else HTTP 413)
PAGE_SIZE = 100
MAX_BATCH = 100
CANCELLED_STATUSES = frozenset({"cancelled", "refunded", "trash"})
# product types that are never sold from stock of their own
UNSTOCKED_TYPES = frozenset({"grouped", "external"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
TAG = re.compile(r"<[^>]+>")


def _check(values, production=False):
    errors = {}
    message = check_site_url(values.get("site_url"), production)
    if message:
        errors["site_url"] = message
    else:
        values["site_url"] = values["site_url"].strip().rstrip("/")
    if values.get("consumer_key") and not values["consumer_key"].startswith("ck_"):
        errors["consumer_key"] = (
            "Consumer key starts with ck_ as WooCommerce issues it."
        )
    if values.get("consumer_secret") and not values["consumer_secret"].startswith(
        "cs_"
    ):
        errors["consumer_secret"] = (
            "Consumer secret starts with cs_ as WooCommerce issues it."
        )
    return errors


class WooCommerceAdapter(PlatformAdapter):
    """One WooCommerce site, reached with a consumer key and secret.

    Keys go in an HTTP Basic header, or, when the account asks for it because the
    site's server strips that header, as ``consumer_key`` and ``consumer_secret``
    query parameters that are added to the request only and never to a recorded path.
    """

    spec = None  # the declaration below sets it, since it names this class

    def __init__(self, credentials, **kwargs):
        super().__init__(credentials, **kwargs)
        for name in ("site_url", "consumer_key", "consumer_secret"):
            if not self.credentials.get(name):
                raise errors.CredentialsRejected(
                    f"The WooCommerce account has no {name.replace('_', ' ')}; "
                    "edit the account and enter it."
                )
        site = self.credentials["site_url"].strip().rstrip("/")
        self.host = urlsplit(site).hostname or ""
        base = self.config.base_url("woocommerce", "{site}", site=site, host=self.host)
        self.api = base + API_PATH

    # requests

    @property
    def query_string_auth(self):
        value = self.credentials.get("query_string_auth")
        if isinstance(value, str):
            return value.strip().lower() in TRUE_WORDS
        return bool(value)

    def _auth(self):
        key = self.credentials["consumer_key"]
        secret = self.credentials["consumer_secret"]
        if self.query_string_auth:
            # passed apart from the URL, so the recorder never sees them
            return {"params": {"consumer_key": key, "consumer_secret": secret}}
        return {"auth": (key, secret)}

    def _url(self, path, params=None):
        url = self.api + path
        return f"{url}?{urlencode(params)}" if params else url

    def _call(self, kind, method, path, params=None, **kwargs):
        return self.http.request(
            kind,
            method,
            self._url(path, params),
            describe_error=describe_error,
            **self._auth(),
            **kwargs,
        )

    def _pages(self, kind, path, params):
        """Yield lists of the items of a paged collection, each item once.

        Pages are asked for by number. When ``X-WP-Total`` drops between two pages,
        items left the result set and the later ones moved to earlier pages; the walk
        then steps back far enough to read the moved items again. Items already
        yielded are dropped, so a page read twice yields only what is new.
        """
        seen = set()
        page = 1
        pages = 1
        total = None
        while page <= pages:
            response = self._call(
                kind, "GET", path, {**params, "per_page": PAGE_SIZE, "page": page}
            )
            items = parse_json(response, kind)
            if not isinstance(items, list):
                raise errors.BadPlatformData(
                    f"WooCommerce answered {kind} page {page} with a "
                    f"{type(items).__name__} where a list was expected.",
                    response,
                )
            if not items:
                break

            fresh = []
            for item in items:
                item_id = _item_id(item, kind)
                if item_id not in seen:
                    seen.add(item_id)
                    fresh.append(item)
            if fresh:
                yield fresh

            # how far to go, from the headers when the site sends them
            count = _header_int(response, "X-WP-Total")
            pages = _header_int(response, "X-WP-TotalPages")
            if pages is None:
                pages = page + 1 if len(items) >= PAGE_SIZE else page
            following = page + 1
            if total is not None and count is not None and count < total:
                # the items that moved back now end the pages before this one
                following = max(1, page - math.ceil((total - count) / PAGE_SIZE))
                logger.info(
                    "%s on %s shrank from %s to %s items while paging; "
                    "reading again from page %s",
                    kind,
                    self.host,
                    total,
                    count,
                    following,
                )
            total = count if count is not None else total
            page = following

    # the operations

    def test_connection(self):
        """Read one product, which needs a valid key with read access.

        :returns: a :class:`ConnectionInfo` naming the site and its product count.
        """
        response = self._call(
            "connection", "GET", "/products", {"per_page": 1, "page": 1}
        )
        if not isinstance(parse_json(response, "connection"), list):
            raise errors.BadPlatformData(
                "WooCommerce answered the connection test without a product list; "
                "the site URL may not point at a WooCommerce site.",
                response,
            )
        count = _header_int(response, "X-WP-Total")
        detail = "REST API v3" + (f"; {count} products" if count is not None else "")
        return ConnectionInfo(shop_name=self.host, detail=detail)

    def fetch_orders(self, since, until):
        """Yield pages of :class:`Order` modified in ``[since, until]``.

        The API counts whole seconds and sites differ on whether bounds are
        inclusive, so the lower bound sent is a second early and the upper one is
        ``until`` cut to its second, never later: an order modified while the pages
        are read must leave the window (see :meth:`_pages`). An order modified in the
        very second of ``until`` may so wait for the next fetch, whose window starts
        before this one ends. Trashed orders are not part of the default listing, so
        a second walk asks for them and reports them as cancelled.
        """
        params = {"dates_are_gmt": "true", "orderby": "modified", "order": "asc"}
        if since is not None:
            params["modified_after"] = _wc_time(_utc(since) - timedelta(seconds=1))
        if until is not None:
            params["modified_before"] = _wc_time(_utc(until))

        seen = set()
        for extra in ({}, {"status": "trash"}):
            for page in self._pages("orders", "/orders", {**params, **extra}):
                orders = []
                for document in page:
                    order = normalise_order(document)
                    if order.order_id in seen or not _within(order, since, until):
                        continue
                    seen.add(order.order_id)
                    orders.append(order)
                if orders:
                    yield orders

    def list_listings(self):
        """Yield pages of :class:`Listing`: simple products and variations.

        A variable product is never a listing itself: its variations are read from
        ``/products/{id}/variations`` and each carries the product id as parent.
        Grouped and external products hold no stock and are left out.
        """
        params = {"orderby": "id", "order": "asc"}
        for page in self._pages("listings", "/products", params):
            simple = []
            parents = []
            for product in page:
                if product.get("variations") or product.get("type") == "variable":
                    parents.append(product)
                elif product.get("type") not in UNSTOCKED_TYPES:
                    simple.append(normalise_product(product))
            if simple:
                yield simple
            for product in parents:
                yield from self._variations(product)

    def _variations(self, product):
        if product.get("type") == "variable" and not product.get("variations", True):
            return
        path = f"/products/{product['id']}/variations"
        try:
            for page in self._pages(
                "listings", path, {"orderby": "id", "order": "asc"}
            ):
                yield [normalise_variation(item, product) for item in page]
        except errors.PlatformRequestError as error:
            if error.status_code != 404:
                raise
            # deleted between reading the product list and its variations
            logger.warning(
                "variable product %s on %s vanished while listing",
                product["id"],
                self.host,
            )

    def set_stock(self, items):
        """Set absolute stock through the batch endpoints.

        Simple products go to ``/products/batch``; variations, which carry their
        product's id as ``parent_id``, to ``/products/{parent_id}/variations/batch``.
        Each request holds at most 100 items. Items that cannot be sent (an id that is
        not a number, a quantity that is not whole) fail here without a request.

        :returns: an iterator of one list of :class:`StockOutcome` per batch.
        """
        size = max(1, min(self.stock_batch, MAX_BATCH))
        # items wait in a group per endpoint; a full group is sent at once, so the
        # first request leaves before the last item is read
        groups = {}
        refused = []
        for item in items:
            quantity = _whole(item.quantity)
            if not _is_id(item.key):
                refused.append(
                    _failed(item.key, "The listing id is not a WooCommerce id.")
                )
            elif item.parent_id is not None and not _is_id(item.parent_id):
                refused.append(
                    _failed(item.key, "The parent id is not a WooCommerce id.")
                )
            elif quantity is None:
                refused.append(
                    _failed(
                        item.key,
                        f"The quantity {item.quantity!r} is not a whole number.",
                    )
                )
            else:
                parent = str(item.parent_id) if item.parent_id is not None else None
                group = groups.setdefault(parent, {})
                # the last quantity asked for a listing wins
                group[str(item.key)] = quantity
                if len(group) >= size:
                    yield self._send_stock(_stock_path(parent), list(group.items()))
                    group.clear()
        for parent, group in groups.items():
            if group:
                yield self._send_stock(_stock_path(parent), list(group.items()))
        if refused:
            yield refused

    def _send_stock(self, path, chunk):
        update = [
            {"id": int(key), "manage_stock": True, "stock_quantity": quantity}
            for key, quantity in chunk
        ]
        response = self._call("stock", "POST", path, json={"update": update})
        document = parse_json(response, "stock")
        answers = document.get("update") if isinstance(document, dict) else None
        if not isinstance(answers, list):
            raise errors.BadPlatformData(
                "WooCommerce answered a stock batch without an update list.", response
            )

        # match answers by id; fall back to their order, which follows the request
        by_id = {}
        for position, answer in enumerate(answers):
            if not isinstance(answer, dict):
                continue
            answer_id = answer.get("id")
            if answer_id in (None, 0, "") and len(answers) == len(chunk):
                answer_id = chunk[position][0]
            by_id[str(answer_id)] = answer

        outcomes = []
        for key, quantity in chunk:
            answer = by_id.get(key)
            if answer is None:
                outcomes.append(
                    _failed(key, "WooCommerce did not report on this item.")
                )
            elif answer.get("error"):
                outcomes.append(_failed(key, describe_item_error(answer["error"])))
            else:
                served = _whole(answer.get("stock_quantity"))
                outcomes.append(
                    StockOutcome(key, True, quantity if served is None else served)
                )
        failed = sum(1 for outcome in outcomes if not outcome.ok)
        logger.info(
            "stock batch of %s items on %s: %s failed", len(outcomes), self.host, failed
        )
        return outcomes


# reading what WooCommerce sends


def describe_error(response):
    """A readable reason for an error response: the WordPress error code and message."""
    try:
        document = response.json()
    except ValueError:
        document = None
    if isinstance(document, dict) and (document.get("code") or document.get("message")):
        message = TAG.sub("", str(document.get("message") or "")).strip()[:200]
        code = document.get("code") or "no code"
        return f"{message} ({code})" if message else str(code)
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


def describe_item_error(error):
    """A readable reason for one failed item of a batch answer."""
    if not isinstance(error, dict):
        return "WooCommerce refused this item without saying why."
    message = TAG.sub("", str(error.get("message") or "")).strip()[:200]
    code = error.get("code") or "no code"
    return (
        f"{message} ({code})" if message else f"WooCommerce refused this item ({code})."
    )


def normalise_order(document):
    """Turn one order of ``GET /orders`` into an :class:`Order`."""
    order_id = _item_id(document, "orders")
    where = f"order {order_id}"
    status = str(document.get("status") or "").strip().lower()
    cancelled = status in CANCELLED_STATUSES
    billing = document.get("billing") or {}
    updated = _time(document.get("date_modified_gmt"), where, "date_modified_gmt")
    if updated is None:
        raise errors.BadPlatformData(
            f"WooCommerce sent {where} without date_modified_gmt."
        )

    lines = tuple(
        normalise_line(line, where)
        for line in document.get("line_items") or ()
        if isinstance(line, dict)
    )
    # several shipping lines happen (split packages); the first names the method
    shipping_code = None
    for line in document.get("shipping_lines") or ():
        if isinstance(line, dict):
            shipping_code = _text(line.get("method_id"))
            break

    return Order(
        order_id=order_id,
        number=_text(document.get("number")) or order_id,
        status="cancelled" if cancelled else status or "unknown",
        cancelled=cancelled,
        created_at=_time(document.get("date_created_gmt"), where, "date_created_gmt"),
        updated_at=updated,
        currency=_text(document.get("currency")),
        total=_money(document.get("total"), where, "total"),
        customer_name=_name(billing),
        customer_email=_text(billing.get("email")),
        shipping_address=_address(document.get("shipping"), billing),
        shipping_code=shipping_code,
        lines=lines,
        fulfilled=status == "completed",
    )


def normalise_line(line, where):
    """Turn one entry of an order's ``line_items`` into an :class:`OrderLine`."""
    where = f"{where} line {line.get('id')}"
    quantity = _whole(line.get("quantity"))
    if quantity is None:
        sent = str(line.get("quantity"))[:20]
        raise errors.BadPlatformData(
            f"WooCommerce sent {where} with quantity {sent!r}, not a whole number."
        )
    listing = _positive_id(line.get("variation_id")) or _positive_id(
        line.get("product_id")
    )
    return OrderLine(
        line_id=str(line.get("id")),
        sku=_text(line.get("sku")),
        title=_text(line.get("name")),
        quantity=quantity,
        price=_money(line.get("price"), where, "price"),
        listing_id=listing,
    )


def normalise_product(product):
    """Turn a simple (or otherwise stocked) product into a :class:`Listing`."""
    return Listing(
        listing_id=_item_id(product, "listings"),
        sku=_text(product.get("sku")),
        title=_text(product.get("name")),
        quantity=_stock(product),
    )


def normalise_variation(variation, product):
    """Turn one variation of a variable product into a :class:`Listing`."""
    options = [
        str(attribute.get("option"))
        for attribute in variation.get("attributes") or ()
        if isinstance(attribute, dict) and attribute.get("option")
    ]
    title = _text(variation.get("name"))
    if title is None:
        title = " - ".join(
            filter(None, [_text(product.get("name")), ", ".join(options)])
        )
    return Listing(
        listing_id=_item_id(variation, "listings"),
        sku=_text(variation.get("sku")),
        title=title or None,
        quantity=_stock(variation),
        parent_id=str(product["id"]),
    )


def _stock(item):
    # manage_stock is true, false, or "parent" for a variation stocked by its product
    if not item.get("manage_stock"):
        return None
    return _whole(item.get("stock_quantity"))


def _address(shipping, billing):
    if not isinstance(shipping, dict):
        return None
    address = Address(
        name=_name(shipping),
        company=_text(shipping.get("company")),
        line1=_text(shipping.get("address_1")),
        line2=_text(shipping.get("address_2")),
        city=_text(shipping.get("city")),
        region=_text(shipping.get("state")),
        postal_code=_text(shipping.get("postcode")),
        country_code=_text(shipping.get("country")),
        phone=_text(shipping.get("phone")),
    )
    if not address.as_dict():
        # virtual orders come with every shipping field empty
        return None
    if address.phone is None and billing.get("phone"):
        address = Address(**{**address.__dict__, "phone": _text(billing.get("phone"))})
    return address


def _name(person):
    parts = [_text(person.get("first_name")), _text(person.get("last_name"))]
    return " ".join(part for part in parts if part) or None


def _text(value):
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _item_id(item, kind):
    value = item.get("id") if isinstance(item, dict) else None
    if value in (None, ""):
        raise errors.BadPlatformData(
            f"WooCommerce sent an item of {kind} without an id."
        )
    return str(value)


def _is_id(value):
    value = str(value)
    return value.isascii() and value.isdigit()


def _positive_id(value):
    try:
        return str(int(value)) if int(value) > 0 else None
    except (TypeError, ValueError):
        return None


def _stock_path(parent):
    """The batch endpoint of simple products, or of ``parent``'s variations."""
    if parent is None:
        return "/products/batch"
    return f"/products/{parent}/variations/batch"


def _whole(value):
    """``value`` as an int when it is a whole number (also "3" or 3.0), else None."""
    if type(value) is int:
        # the common case, and bool (a subclass of int) is not it
        return value
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def _money(value, where, name):
    # documented as strings, some (line prices) are served as numbers
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise errors.BadPlatformData(
            f"WooCommerce sent {where} with {name} {str(value)[:20]!r}, not a number."
        )
    return number


def _time(value, where, name):
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise errors.BadPlatformData(
            f"WooCommerce sent {where} with {name} {str(value)[:30]!r}, not a date."
        ) from None
    # the *_gmt fields come without an offset and are UTC
    return _utc(moment)


def _utc(moment):
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _wc_time(moment):
    return moment.replace(microsecond=0, tzinfo=None).isoformat()


def _within(order, since, until):
    if since is not None and order.updated_at < _utc(since).replace(microsecond=0):
        return False
    return until is None or order.updated_at <= _utc(until)


def _header_int(response, name):
    try:
        return int(response.headers.get(name, ""))
    except ValueError:
        return None


def _failed(key, reason):
    return StockOutcome(str(key), False, error=reason)


SPEC = register(
    PlatformSpec(
        name="woocommerce",
        label="WooCommerce",
        capabilities=Capabilities(
            auth_type=KEY,
            mapping_mode=TABLE,
            stock_batch=100,
            rate_limit="none built in; hosts may answer 429",
        ),
        credential_fields=(
            CredentialField(
                "site_url", "Site URL", kind="url", help="https://shop.example.com"
            ),
            CredentialField("consumer_key", "Consumer key", secret=True),
            CredentialField("consumer_secret", "Consumer secret", secret=True),
            CredentialField(
                "query_string_auth",
                "Send keys in the query string",
                kind="bool",
                required=False,
                default=False,
                help="Only for servers that strip the Authorization header.",
            ),
        ),
        check_credentials=_check,
        identity_field="site_url",
        adapter_class=WooCommerceAdapter,
    )
)
WooCommerceAdapter.spec = SPEC
