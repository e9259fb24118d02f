"""The Twilio connector: SMS out through Twilio's SDK, signed callbacks in.

It offers no streams or sinks: a channel provider, it builds the core's `MessageSender`
(`sender()`), verifies Twilio's callbacks (`webhook_verifier_class`) and turns them into
delivery events and opt-outs (`parse_callback`). `check()` fetches the account with the
connection's credentials; `campaign_problems` checks a campaign's recipients and bodies
before it runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from hub.connector import CheckResult, Connector, DeliveryEvent, OptOut
from hub.connector.http import CHECK_RETRY
from hub.errors import AuthError, HubError, TransientError
from hub.http import retry_call

from .callbacks import parse_callback
from .campaign import campaign_problems
from .client import build_client, call
from .errors import words
from .sender import TwilioSender
from .settings import TwilioSettings
from .webhooks import TwilioWebhookVerifier

if TYPE_CHECKING:
    from twilio.rest import Client

__all__ = ["TwilioConnector"]


class TwilioConnector(Connector[TwilioSettings]):
    id: ClassVar[str] = "twilio"
    settings_model = TwilioSettings
    description = "Twilio Programmable Messaging: SMS sends, status callbacks, STOP replies"
    webhook_verifier_class = TwilioWebhookVerifier
    # The local emulator `hub sandbox twilio` runs; named, never imported, by the connector.
    sandbox: ClassVar[str | None] = "connectors.twilio.sandbox"

    def __init__(self, settings: TwilioSettings, *, name: str | None = None) -> None:
        super().__init__(settings, name=name)
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = build_client(self.settings)
        return self._client

    def sender(self) -> TwilioSender:
        return TwilioSender(self.settings, self.client)

    def parse_callback(self, payload: Any) -> list[DeliveryEvent | OptOut]:
        return parse_callback(payload, self.settings.account_sid)

    def campaign_problems(self, recipients: Iterable[str], bodies: Iterable[str]) -> list[str]:
        """Why these recipients or bodies cannot be sent (empty: they can)."""
        return campaign_problems(self.settings, recipients, bodies)

    async def check(self) -> CheckResult:
        """Fetch the account: are the credentials accepted, and may it send?"""
        settings, where = self.settings, self.settings.api_url
        account = self.client.api.v2010.accounts(settings.account_sid)
        try:
            found = await retry_call(call, account.fetch, where, policy=CHECK_RETRY,
                                     what=f"{self.name}: check")
        except AuthError as exc:
            return CheckResult(False, str(exc))
        except TransientError as exc:
            return CheckResult(False, f"{exc}. Check `base_url` and the network, or Twilio's "
                               "status page, then try again.")
        except HubError as exc:
            return CheckResult(False, f"{words(exc)}. Is `account_sid` this account's SID, "
                               f"and `base_url` ({where}) Twilio's API?")
        status = getattr(found, "status", None)
        if status not in (None, "active"):
            return CheckResult(False, f"Twilio account {settings.account_sid} is {status}: "
                               "reactivate it in the Twilio console before sending")
        details = {"base_url": where, "sender": settings.sender,
                   "sender_rate": settings.sender_rate}
        name = getattr(found, "friendly_name", None) or settings.account_sid
        return CheckResult(True, f"Twilio at {where} accepted the credentials of {name!r}; "
                           f"sending from {settings.sender} at {settings.sender_rate}", details)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        session = getattr(getattr(client, "http_client", None), "session", None)
        if session is not None:
            session.close()
