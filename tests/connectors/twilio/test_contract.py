"""The connector contract, as far as a channel provider with no streams or sinks goes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from connectors.twilio.connector import TwilioConnector
from connectors.twilio.sandbox import SandboxServer
from hub.testing.contract import ConnectorContract, HttpProbe

ACCOUNT = "AC" + "0" * 31 + "1"


class TestTwilioContract(ConnectorContract):
    connector_cls = TwilioConnector
    settings = {"account_sid": ACCOUNT, "auth_token": "offline-token",
                "key_sid": "SK" + "0" * 32, "key_secret": "offline-secret",
                "from_number": "+15005550006"}
    http_probe = HttpProbe(f"/2010-04-01/Accounts/{ACCOUNT}.json",
                           ok={"sid": ACCOUNT, "status": "active", "friendly_name": "probe"})

    @pytest.fixture
    def live_settings(self, start_twilio_sandbox: Callable[..., SandboxServer]
                      ) -> Mapping[str, Any]:
        sandbox = start_twilio_sandbox()
        return {"account_sid": sandbox.config.account_sid,
                "auth_token": sandbox.config.auth_token, "base_url": sandbox.base_url,
                "from_number": "+15005550006"}

    @pytest.fixture
    def bad_settings(self, live_settings: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**live_settings, "auth_token": "not-the-token"}


def test_check_says_where_it_failed_to_reach() -> None:
    from hub.testing.contract import run
    from hub.testing.sandbox import listen

    with listen("127.0.0.1", 0) as taken:  # a port nothing answers on once it is closed
        unused_port = taken.getsockname()[1]
    connector = TwilioConnector(TwilioConnector.settings_model.model_validate({
        "account_sid": ACCOUNT, "auth_token": "t", "from_number": "+15005550006",
        "base_url": f"http://127.0.0.1:{unused_port}"}))
    result = run(connector.check())
    assert not result.ok
    assert "cannot reach Twilio" in result.message
    assert "base_url" in result.message
