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
