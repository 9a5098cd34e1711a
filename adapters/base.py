"""What every platform adapter declares: its capabilities and its credential fields.

The screens and jobs read these declarations instead of naming platforms, so adding a
platform means adding one adapter module and registering it.
"""

from dataclasses import dataclass, field

OAUTH = "oauth"
KEY = "key"
TABLE = "table"
LOOKUP = "lookup"


@dataclass(frozen=True)
class CredentialField:
    """One value an account needs to reach its shop.

    :param secret: stored encrypted, never shown back beyond its last four characters.
    :param required: must be given when the account is created; OAuth tokens are not,
        since the authorization flow fills them in.
    :param kind: ``text``, ``url`` or ``bool``.
    """

    name: str
    label: str
    secret: bool = False
    required: bool = True
    kind: str = "text"
    help: str = ""
    default: object = None


@dataclass(frozen=True)
class Capabilities:
    auth_type: str
    mapping_mode: str
    order_fetch: bool = True
    stock_push: bool = True
    stock_batch: int = 1
    rate_limit: str = ""

    @property
    def keeps_mapping_table(self):
        return self.mapping_mode == TABLE

    @property
    def uses_oauth(self):
        return self.auth_type == OAUTH


@dataclass(frozen=True)
class PlatformSpec:
    """The declaration of one platform: name, label, capabilities, credential fields.

    ``check_credentials`` returns a mapping of field name to a message for each value
    that cannot be used; it may also normalise values in the mapping it is given.
    """

    name: str
    label: str
    capabilities: Capabilities
    credential_fields: tuple = field(default_factory=tuple)
    check_credentials: object = None
    adapter_class: object = None
    # the credential field naming the shop itself: one account per shop
    identity_field: str | None = None

    def validate(self, values, production=False):
        errors = {}
        for item in self.credential_fields:
            value = values.get(item.name)
            if item.required and item.kind != "bool" and not value:
                errors[item.name] = f"{item.label} is required."
        if self.check_credentials and not errors:
            errors.update(self.check_credentials(values, production=production))
        return errors

    @property
    def secret_fields(self):
        return tuple(f.name for f in self.credential_fields if f.secret)


@dataclass(frozen=True)
class AdapterConfig:
    """What an adapter needs from the installation, never from the database.

    :param base_urls: replacements for the real API bases, by key (``shopify``,
        ``woocommerce``, ``ebay``, ``ebay_auth``); templates may hold ``{shop}`` or
        ``{host}`` placeholders.
    :param apps: the installation's own OAuth app credentials, by platform.
    :param stock_batch: overrides of the platforms' largest stock batch.
    """

    base_urls: dict = field(default_factory=dict)
    apps: dict = field(default_factory=dict)
    stock_batch: dict = field(default_factory=dict)
    timeout: tuple = (5, 30)
    extra: dict = field(default_factory=dict)

    def base_url(self, key, default, **fields):
        template = self.base_urls.get(key, default)
        try:
            return template.format(**fields).rstrip("/")
        except (KeyError, IndexError, ValueError):
            from adapters.errors import ConfigurationError

            raise ConfigurationError(
                f"PLATFORM_BASE_URLS[{key!r}] = {template!r} uses a placeholder other "
                f"than {', '.join('{' + name + '}' for name in fields) or 'none'}."
            ) from None

    def app(self, platform):
        values = self.apps.get(platform) or {}
        if not all(values.get(name) for name in ("client_id", "client_secret")):
            from adapters.errors import ConfigurationError

            raise ConfigurationError(
                f"The {platform} app credentials are not configured; set "
                f"{platform.upper()}_CLIENT_ID and {platform.upper()}_CLIENT_SECRET."
            )
        return values


def batches(items, size):
    """Split ``items`` into lists of at most ``size``."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class PlatformAdapter:
    """The operations every platform offers, over one HTTP session.

    Subclasses set ``spec`` and implement the operations. An adapter knows nothing of
    the database: it gets decrypted credentials, a recorder for its calls, and a
    callback for credentials it renews (refreshed tokens), which the caller stores.
    """

    spec = None

    def __init__(
        self,
        credentials,
        *,
        config=None,
        recorder=None,
        on_credentials=None,
        sleep=None,
    ):
        from adapters.http import HttpClient, ListRecorder

        self.credentials = dict(credentials)
        self.config = config or AdapterConfig()
        self.recorder = recorder or ListRecorder()
        self.on_credentials = on_credentials
        extra = {"sleep": sleep} if sleep else {}
        self.http = HttpClient(
            self.recorder,
            timeout=self.config.timeout,
            secrets=[self.credentials.get(name) for name in self.spec.secret_fields],
            before_request=self.before_request,
            after_response=self.after_response,
            **extra,
        )
        for app_secret in (self.config.apps.get(self.spec.name) or {}).values():
            if isinstance(app_secret, str) and len(app_secret) >= 8:
                self.http.add_secret(app_secret)

    @property
    def stock_batch(self):
        return int(
            self.config.stock_batch.get(
                self.spec.name, self.spec.capabilities.stock_batch
            )
        )

    def before_request(self):
        """Hook for pacing requests before the platform limits them."""

    def after_response(self, response):
        """Hook for reading rate-limit headers."""

    def renew_credentials(self, expires_at=None, **changes):
        """Keep renewed credentials and hand them to the caller to store."""
        self.credentials.update(changes)
        for value in changes.values():
            if isinstance(value, str):
                self.http.add_secret(value)
        if self.on_credentials:
            self.on_credentials(dict(self.credentials), expires_at)

    # the operations

    def test_connection(self):
        """Check the credentials; return a :class:`ConnectionInfo`."""
        raise NotImplementedError

    def fetch_orders(self, since, until):
        """Yield pages (lists) of :class:`Order` changed in ``[since, until]``."""
        raise NotImplementedError

    def list_listings(self):
        """Yield pages of :class:`Listing`: variants with SKU, ids and stock."""
        raise NotImplementedError

    def set_stock(self, items):
        """Set absolute stock; yield one list of :class:`StockOutcome` per batch."""
        raise NotImplementedError
