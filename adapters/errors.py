"""The exceptions an adapter raises; each keeps the response that caused it.

Jobs decide by class: ``CredentialsRejected`` disconnects the account,
``RateLimited`` and ``TransientError`` retry with backoff, ``BadPlatformData`` and
``PlatformRequestError`` fail the run with their readable reason, and
``ConfigurationError`` means the installation itself needs fixing.
"""


class AdapterError(Exception):
    """Base of every adapter failure.

    :param reason: a readable sentence, free of secrets.
    :param response: the ``requests.Response`` involved, when there was one.
    """

    def __init__(self, reason, response=None):
        super().__init__(reason)
        self.reason = reason
        self.response = response

    @property
    def status_code(self):
        return self.response.status_code if self.response is not None else None


class CredentialsRejected(AdapterError):
    """The platform refused the credentials (401/403, invalid_grant, revoked key)."""


class RateLimited(AdapterError):
    """The platform kept answering 429 after the allowed waits."""

    def __init__(self, reason, response=None, retry_after=None):
        super().__init__(reason, response)
        self.retry_after = retry_after


class TransientError(AdapterError):
    """A timeout, a refused connection or a 5xx answer that outlasted the retries."""


class BadPlatformData(AdapterError):
    """The platform answered with something unreadable: malformed JSON, an HTML
    page with status 200, or a document missing fields the adapter needs."""


class PlatformRequestError(AdapterError):
    """The platform refused the request itself (a 4xx other than 401, 403, 429)."""


class ConfigurationError(AdapterError):
    """The installation is missing something an adapter needs, such as an app key."""


class OAuthError(AdapterError):
    """An authorization callback failed its checks (signature, state, shop host)."""
