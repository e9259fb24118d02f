"""HttpConnector: a REST connector's client, built once from its settings, and its check()."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import SecretStr

from hub.connector.base import CheckResult, Connector
from hub.connector.settings import ConnectorSettings, HttpConnectorSettings, RateLimit
from hub.errors import (
    AuthError,
    ConfigError,
    HubError,
    QuotaExhaustedError,
    RecordError,
    TransientError,
)
from hub.http.client import HubClient, build_client, request_with_policy
from hub.http.policy import DEFAULT_POLICY, TRANSPORT_ERRORS, Policy
from hub.http.ratelimit import Rate, RateLimiter, credential_key, limiter_for
from hub.http.retry import RetryPolicy, retry_call

H = TypeVar("H", bound=HttpConnectorSettings)


@dataclass(frozen=True)
class ClientOptions:
    """How a connection's client is built (`HttpConnector.client_options()`)."""

    base_url: str
    auth: httpx.Auth | None
    timeout: httpx.Timeout
    limiter: RateLimiter | None  # paces every request of the client; None sends unpaced
    policy: Policy  # reads the vendor's answers into hub errors
    headers: Mapping[str, str] = field(default_factory=dict)
    #: what carries the requests; None is httpx's own (a test may put a faulty one here)
    transport: httpx.AsyncBaseTransport | None = None


# `hub check` answers in seconds: one retry, short waits, instead of a run's schedule.
CHECK_RETRY = RetryPolicy(attempts=2, max_wait=5.0, base_wait=0.2)


class HttpConnector(Connector[H]):
    """A connector for a vendor's HTTP API.

    Declare `default_base_url`, `policy` (`Policy(vendor="Acme")` plus the vendor's quirks) and
    `check_path`, and override `auth()`. `self.client` is built on first use from the settings:
    the connection's `base_url` over the vendor's, its `timeout`, a rate limiter shared by every
    connection of the process on the same credential (`rate_limit`, else `default_rate_limit`),
    the policy and the auth; `aclose()` closes it. `request()` sends once and raises the hub
    error the policy assigns: retrying is the engine's. A connector whose client needs more
    overrides `client_options()` (its documented hook), never the kit's private names.
    """

    settings_model: ClassVar[type[ConnectorSettings]] = HttpConnectorSettings
    #: the vendor's API; a connection's `base_url` overrides it (a sandbox, a proxy, a region)
    default_base_url: ClassVar[str] = ""
    #: how the vendor's answers read: statuses, body classifiers, the vendor's name in errors
    policy: ClassVar[Policy] = DEFAULT_POLICY
    #: the pace when a connection sets no `rate_limit`; None sends unpaced
    default_rate_limit: ClassVar[RateLimit | None] = None
    #: a cheap GET that needs valid credentials: what `check()` asks for
    check_path: ClassVar[str] = "/"
    #: headers sent with every request (besides auth and User-Agent)
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(self, settings: H, *, name: str | None = None) -> None:
        super().__init__(settings, name=name)
        self._client: HubClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def auth(self) -> httpx.Auth | None:
        """The credentials, e.g. `BearerToken(self.settings.api_key.get_secret_value())`."""
        return None

    @property
    def base_url(self) -> str:
        url = str(self.settings.base_url or self.default_base_url).rstrip("/")
        if not url:
            raise ConfigError(f"connection {self.name!r}: set `base_url` (connector "
                              f"{self.id!r} has no default)")
        return url

    @property
    def client(self) -> HubClient:
        """This connection's client, made once (again after `aclose`, or on another loop)."""
        loop = _running_loop()
        if self._client is None or self._client.is_closed or self._loop is not loop:
            options = self.client_options()
            self._client = build_client(
                options.base_url, options.auth, timeout=options.timeout,
                limiter=options.limiter, policy=options.policy, headers=options.headers,
                transport=options.transport)
            self._loop = loop
        return self._client

    def client_options(self) -> ClientOptions:
        """What the kit builds `self.client` from: the hook to override when a connection's
        client needs something the class attributes cannot say. Change only what differs,
        e.g. share a limiter with the vendor's SDK:
        `return dataclasses.replace(super().client_options(), limiter=self.sdk_limiter)`."""
        timeout = httpx.Timeout(self.settings.timeout, connect=min(10.0, self.settings.timeout))
        return ClientOptions(self.base_url, self.auth(), timeout, self._limiter(),
                             self.policy, self.headers)

    def _limiter(self) -> RateLimiter | None:
        """The limiter of `rate_limit` (else `default_rate_limit`), one per credential and API,
        shared by every connection of the process; None when neither is set."""
        limit = self.settings.rate_limit or self.default_rate_limit
        if limit is None:
            return None
        values = [getattr(self.settings, name) for name in type(self.settings).model_fields]
        secrets = [v.get_secret_value() for v in values if isinstance(v, SecretStr)]
        key = credential_key("\0".join(secrets), f"{self.id}:{self.base_url}")
        return limiter_for(key, Rate(limit.requests, limit.per_seconds), daily=limit.daily)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request (`params=`, `json=` … as httpx takes them); return the OK answer
        or raise the policy's hub error. Never retries."""
        return await request_with_policy(self.client, method, path, **kwargs)

    async def check(self) -> CheckResult:
        """GET `check_path`, retried once; the answer says what is wrong and what to do."""
        url = self.base_url
        host = httpx.URL(url).netloc.decode()
        vendor = self.policy.vendor
        try:
            await retry_call(self.request, "GET", self.check_path, policy=CHECK_RETRY,
                             what=f"{self.name}: check")
        except AuthError as exc:
            return CheckResult(False, str(exc))
        except QuotaExhaustedError as exc:
            return CheckResult(False, f"the credentials work, but {exc}")
        except TransientError as exc:
            if isinstance(exc.__cause__, TRANSPORT_ERRORS):
                detail = str(exc.__cause__) or type(exc.__cause__).__name__
                return CheckResult(False, f"cannot reach {host}: {detail}. Check `base_url` "
                                   "and the network, then try again.")
            return CheckResult(False, f"{exc}. {vendor} is reachable but failing: try again "
                               "later, or see its status page.")
        except RecordError as exc:
            return CheckResult(False, f"{host} answered unexpectedly: {exc}. Is `base_url` "
                               f"{vendor}'s API ({self.default_base_url or 'no default'})?")
        except HubError as exc:
            return CheckResult(False, f"{host} refused the check: {exc}")
        details: dict[str, Any] = {"base_url": url}
        limiter = self.client.limiter
        if limiter is not None:
            details["rate_limit"] = str(limiter.rate)
        return CheckResult(True, f"{vendor} at {url} accepted the credentials", details)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is _running_loop():
            await client.aclose()  # a client of a loop that has ended has nothing left to close


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
