"""One connection's way to Salesforce: simple-salesforce, its calls off the event loop.

Every call runs in a worker thread (`asyncio.to_thread`), at most `concurrency` at once. A
session refused as expired (401 INVALID_SESSION_ID) is renewed once through the connection's
OAuth flow and the call sent again, so a run loses nothing when its session ends mid-way. After
each answer the org's usage is read from `Sforce-Limit-Info` (the SDK keeps it in
`api_usage`); before each call, a connection whose org has less than `api_reserve` of its daily
allocation left stops the run with QuotaExhaustedError, leaving the rest to the org's other
integrations.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import NoReturn, TypeVar

from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

from connectors.salesforce.errors import quota_stop, translate
from connectors.salesforce.login import Session, sign_in
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.transport import session_for
from hub.errors import HubError

__all__ = ["SalesforceApi", "Usage"]

T = TypeVar("T")


class Usage:
    """The org's daily API usage as last reported (`api-usage=USED/LIMIT`)."""

    def __init__(self) -> None:
        self.used: int | None = None
        self.limit: int | None = None

    def observe(self, sf: Salesforce) -> None:
        found = sf.api_usage.get("api-usage")
        if found is None:
            return
        used, limit = int(found.used), int(found.total)
        # answers of concurrent calls land in any order: within a run usage only grows
        self.used = used if self.used is None or limit != self.limit else max(self.used, used)
        self.limit = limit

    @property
    def remaining(self) -> int | None:
        return None if self.used is None or self.limit is None else self.limit - self.used


class SalesforceApi:
    """The SDK client of one connection, its session, its concurrency bound and usage."""

    def __init__(self, settings: SalesforceSettings) -> None:
        self.settings = settings
        self.http = session_for(str(settings.login_url), *(
            [str(settings.instance_url)] if settings.instance_url else []))
        self.usage = Usage()
        self.sessions_issued = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._sf: Salesforce | None = None
        self._gates: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    # -- the session -------------------------------------------------------------------------

    def client(self) -> Salesforce:
        """The SDK client, signing in first when there is no session (blocking)."""
        with self._lock:
            if self._sf is None:
                self._sf = self._connect(sign_in(self.settings, self.http))
            return self._sf

    def renew(self, expired: Salesforce) -> None:
        """A new session, unless another thread already replaced the expired one (blocking)."""
        with self._lock:
            if self._sf is expired or self._sf is None:
                self._sf = self._connect(sign_in(self.settings, self.http))

    def _connect(self, session: Session) -> Salesforce:
        self.sessions_issued += 1
        for_instance = session_for(session.instance_url)
        for prefix, adapter in for_instance.adapters.items():
            if prefix.startswith("https://") and prefix not in self.http.adapters:
                self.http.mount(prefix, adapter)
        return Salesforce(instance_url=session.instance_url, session_id=session.access_token,
                          session=self.http, version=self.settings.api_version)

    # -- calls -------------------------------------------------------------------------------

    async def call(self, fn: Callable[[Salesforce], T]) -> T:
        """`fn(sdk)` in a worker thread, under the concurrency bound, renewing an expired
        session once; Salesforce's refusals become the hub's errors."""
        async with self._gate():
            self.keep_reserve()  # counting the calls in flight, whose usage is not known yet
            self._in_flight += 1
            try:
                return await self._send(fn)
            finally:
                self._in_flight -= 1

    async def _send(self, fn: Callable[[Salesforce], T]) -> T:
        renewed = False
        while True:
            sf: Salesforce | None = None
            try:
                sf = await asyncio.to_thread(self.client)
                return await asyncio.to_thread(fn, sf)
            except SalesforceExpiredSession:
                expired = sf
                if renewed or not self.settings.can_renew or expired is None:
                    self._raise_translated()
                renewed = True
                await asyncio.to_thread(self.renew, expired)
            except HubError:
                raise
            except Exception:
                self._raise_translated()
            finally:
                if sf is not None:
                    self.usage.observe(sf)

    def keep_reserve(self) -> None:
        """QuotaExhaustedError when the org has less than the reserve of its allocation left."""
        usage = self.usage
        if usage.remaining is None or usage.limit is None:
            return
        reserve = int(usage.limit * self.settings.api_reserve)
        if usage.remaining - self._in_flight <= reserve:
            raise quota_stop(
                f"Salesforce's org has used {usage.used:,} of its {usage.limit:,} daily API "
                f"requests; this connection leaves the last {reserve:,} "
                f"({self.settings.api_reserve:.0%}, `api_reserve`) to the org's other "
                "integrations", self.settings.quota_pause_minutes)

    def _raise_translated(self) -> NoReturn:
        """Raise the hub error for the exception being handled (itself when it is a bug)."""
        exc = sys.exc_info()[1]
        assert exc is not None
        found = translate(exc, pause_minutes=self.settings.quota_pause_minutes)
        if found is None:
            raise exc
        raise found from exc

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            self._gates = {loop: (gate := asyncio.Semaphore(self.settings.concurrency))}
        return gate

    def close(self) -> None:
        self.http.close()
