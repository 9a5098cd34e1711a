"""HTTP for adapters: one session, timeouts, retries, and a record of every call.

Every attempt is reported to the recorder the adapter was given, with the path and a
query from which secrets were removed; the product stores these as API log rows.
Errors come out as the classes in :mod:`adapters.errors`.
"""

import json
import logging
import os
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from adapters import errors

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5, 30)
# query parameters that carry secrets; they are dropped from recorded paths
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "client_secret",
        "code",
        "consumer_key",
        "consumer_secret",
        "hmac",
        "refresh_token",
        "signature",
        "token",
    }
)
MAX_REASON = 300


@dataclass(frozen=True)
class CallRecord:
    kind: str
    method: str
    path: str
    status_code: int | None
    ok: bool
    failure_reason: str | None
    duration_ms: int


class ListRecorder:
    """Keeps call records in memory; the product's recorder writes API log rows."""

    def __init__(self):
        self.calls = []

    def __call__(self, record):
        self.calls.append(record)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    # a Retry-After longer than this is not waited for inside the call: the job retries
    max_retry_after: float = 30.0


def safe_path(url):
    """The path and query of ``url`` with secret parameters removed."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if k.lower() not in SECRET_PARAMS]
    path = parts.path + ("?" + urlencode(kept) if kept else "")
    return path[:500]


def _retry_after(response):
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class HttpClient:
    """Sends requests for one adapter run.

    :param recorder: called with a :class:`CallRecord` after every attempt.
    :param secrets: strings that must never appear in a recorded reason.
    :param sleep: injectable for tests that should not wait.
    :param before_request: called before each attempt (rate-limit pacing).
    :param after_response: called with each response (rate-limit bookkeeping).
    """

    def __init__(
        self,
        recorder,
        *,
        timeout=DEFAULT_TIMEOUT,
        retry=RetryPolicy(),
        secrets=(),
        sleep=time.sleep,
        before_request=None,
        after_response=None,
        session=None,
    ):
        if session is None:
            session = requests.Session()
            # requests would read the environment (proxy variables, CA bundle,
            # ~/.netrc) again on every call; _environment reads it once per host, and
            # ~/.netrc never: every adapter sends credentials of its own, and a netrc
            # entry must not add another platform's login to its calls
            session.trust_env = False
            self._environments = {}
        else:
            self._environments = None
        self.session = session
        self.recorder = recorder
        self.timeout = timeout
        self.retry = retry
        self.secrets = tuple(s for s in secrets if s)
        self.sleep = sleep
        self.before_request = before_request
        self.after_response = after_response

    def add_secret(self, value):
        if value:
            self.secrets = self.secrets + (value,)

    def scrub(self, text):
        text = str(text or "")
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return text[:MAX_REASON]

    def _record(self, kind, method, url, status, ok, reason, started):
        self.recorder(
            CallRecord(
                kind=kind,
                method=method,
                path=safe_path(url),
                status_code=status,
                ok=ok,
                failure_reason=self.scrub(reason) if reason else None,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        )

    def _environment(self, url):
        """The proxies and CA bundle the environment gives ``url``'s host, as
        requests reads them (``*_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``,
        ``CURL_CA_BUNDLE``), read on the first call to the host."""
        if self._environments is None:
            return {}
        parts = urlsplit(url)
        host = (parts.scheme, parts.netloc)
        found = self._environments.get(host)
        if found is None:
            found = self._environments[host] = {
                "proxies": requests.utils.get_environ_proxies(url),
                "verify": os.environ.get("REQUESTS_CA_BUNDLE")
                or os.environ.get("CURL_CA_BUNDLE")
                or True,
            }
        return found

    @staticmethod
    def _proxy(url, kwargs):
        """The proxy a call to ``url`` went through, as ``scheme://host:port``
        without any login, or None."""
        proxies = kwargs.get("proxies") or {}
        scheme = urlsplit(url).scheme
        address = proxies.get(scheme) or proxies.get("all")
        if not address:
            return None
        parts = urlsplit(address if "://" in address else f"http://{address}")
        host = parts.hostname or "?"
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")

    def _backoff(self, attempt):
        return min(self.retry.max_backoff, self.retry.backoff * (2 ** (attempt - 1)))

    def request(self, kind, method, url, *, describe_error=None, **kwargs):
        """Send one request, retrying connection errors, 5xx and short 429 waits.

        :param kind: what the call is for (``orders``, ``stock``...), for the log.
        :param describe_error: turns an error response into a readable reason.
        :returns: the successful ``requests.Response``.
        """
        describe_error = describe_error or (lambda response: response.reason)
        kwargs = {"timeout": self.timeout, **self._environment(url), **kwargs}
        for attempt in range(1, self.retry.attempts + 1):
            last = attempt == self.retry.attempts
            if self.before_request:
                self.before_request()
            started = time.monotonic()
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.Timeout:
                self._record(kind, method, url, None, False, "timed out", started)
                if last:
                    raise errors.TransientError(
                        f"The platform did not answer {kind} within "
                        f"{self.timeout[1]} seconds, after {attempt} attempts."
                    ) from None
                self.sleep(self._backoff(attempt))
                continue
            except requests.ConnectionError:
                proxy = self._proxy(url, kwargs)
                failed = (
                    f"connection through the proxy {proxy} failed"
                    if proxy
                    else "connection failed"
                )
                self._record(kind, method, url, None, False, failed, started)
                if last:
                    to = f"the proxy {proxy}" if proxy else "the platform"
                    raise errors.TransientError(
                        f"Could not connect to {to} for {kind} after {attempt} "
                        "attempts."
                    ) from None
                self.sleep(self._backoff(attempt))
                continue
            except OSError as error:
                if isinstance(error, requests.RequestException):
                    raise
                # raised before any connection, by a setting of this installation
                # (a CA bundle that is not there); retrying cannot help
                self._record(
                    kind, method, url, None, False, "not sent: " + str(error), started
                )
                raise errors.ConfigurationError(
                    f"Could not call the platform for {kind}: {error}. Check the "
                    "REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE settings."
                ) from None

            if self.after_response:
                self.after_response(response)
            status = response.status_code
            if status < 400:
                self._record(kind, method, url, status, True, None, started)
                return response

            reason = self.scrub(describe_error(response))
            self._record(kind, method, url, status, False, reason, started)
            if status in (401, 403):
                raise errors.CredentialsRejected(
                    f"The platform rejected the credentials ({status}): {reason}",
                    response,
                )
            if status == 429:
                wait = _retry_after(response)
                wait = self._backoff(attempt) if wait is None else wait
                if last or wait > self.retry.max_retry_after:
                    raise errors.RateLimited(
                        f"The platform is rate limiting {kind} calls; it asked to wait "
                        f"{wait:g} seconds.",
                        response,
                        retry_after=wait,
                    )
                logger.warning("rate limited on %s; waiting %.1f s", kind, wait)
                self.sleep(wait)
                continue
            if status >= 500:
                if last:
                    raise errors.TransientError(
                        f"The platform failed {kind} with {status} after {attempt} "
                        f"attempts: {reason}",
                        response,
                    )
                logger.warning("platform error %s on %s; retrying", status, kind)
                self.sleep(self._backoff(attempt))
                continue
            raise errors.PlatformRequestError(
                f"The platform refused the {kind} request ({status}): {reason}",
                response,
            )
        raise AssertionError("unreachable")  # the loop always returns or raises

    def json(self, kind, method, url, **kwargs):
        """Send a request and return its JSON body, refusing anything unreadable."""
        response = self.request(kind, method, url, **kwargs)
        return parse_json(response, kind)


def parse_json(response, kind):
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower():
        raise errors.BadPlatformData(
            f"The platform answered {kind} with an HTML page instead of JSON "
            f"(status {response.status_code}); a proxy or login page may be in the "
            "way.",
            response,
        )
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError) as error:
        raise errors.BadPlatformData(
            f"The platform answered {kind} with malformed JSON "
            f"({error.__class__.__name__}"
            f" at position {getattr(error, 'pos', '?')}).",
            response,
        ) from None


def require(document, path, kind):
    """Return ``document[path...]``, or raise a readable BadPlatformData."""
    value = document
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            dotted = ".".join(str(p) for p in path)
            raise errors.BadPlatformData(
                f"The platform's {kind} answer lacks the field {dotted}."
            ) from None
    return value
