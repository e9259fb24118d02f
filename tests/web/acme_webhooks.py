"""A third-party connector whose vendor sends change webhooks, registered in-process:
`PluginHost(extra_plugins={"acme": this_module})`. It knows nothing of the hub's receiver or
store; it only verifies Acme's signature and parses Acme's events."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import SecretStr

from hub.connector import CheckResult, Connector, ConnectorSettings, WebhookVerifier
from hub.connector.inbound import FieldChange, WebhookPayloadError
from hub.errors import AuthError
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class AcmeSettings(ConnectorSettings):
    signing_secret: SecretStr


class AcmeVerifier(WebhookVerifier):
    def __init__(self, secret: str) -> None:
        self.secret = secret

    @classmethod
    def from_settings(cls, settings: Any) -> Self:
        return cls(settings.signing_secret.get_secret_value())

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        given = headers.get("x-acme-signature", "")
        if not hmac.compare_digest(given, sign(self.secret, body)):
            raise AuthError("Acme's signature does not match the body")


class AcmeConnector(Connector[AcmeSettings]):
    id: ClassVar[str] = "acme"
    settings_model = AcmeSettings
    webhook_verifier_class = AcmeVerifier

    def parse_webhook(self, payload: Any) -> list[FieldChange]:
        """`{"events": [{"id", "contact", "field", "value", "at"}, ...]}` → field changes."""
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list):
            raise WebhookPayloadError("an Acme webhook is an object with an `events` list")
        return [FieldChange(provider="acme", event_id=e["id"], object_type="contacts",
                            external_id=e["contact"], field=e["field"], value=e["value"],
                            occurred_at=datetime.fromisoformat(e["at"])) for e in events]

    async def check(self) -> CheckResult:
        return CheckResult(True, "nothing to check")


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    register.add(AcmeConnector)
