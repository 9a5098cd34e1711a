"""The platforms this installation knows, by name."""

_specs = {}


class UnknownPlatformError(LookupError):
    def __init__(self, name):
        known = ", ".join(sorted(_specs)) or "none"
        super().__init__(f"Unknown platform {name!r}; known platforms: {known}.")


def register(spec):
    _specs[spec.name] = spec
    return spec


def get(name):
    try:
        return _specs[name]
    except KeyError:
        raise UnknownPlatformError(name) from None


def all_specs():
    return [_specs[name] for name in sorted(_specs)]


def choices():
    return [(spec.name, spec.label) for spec in all_specs()]


def create_adapter(platform, credentials, **kwargs):
    """Build the adapter of ``platform`` for one account's decrypted credentials."""
    spec = get(platform)
    if spec.adapter_class is None:
        raise UnknownPlatformError(platform)
    return spec.adapter_class(credentials, **kwargs)
