"""The Resend connector against the connector contract, with the sandbox as Resend."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pytest

from connectors.resend import ResendConnector
from connectors.resend.sandbox import SandboxServer
from hub.testing import ConnectorContract, HttpProbe

from .conftest import API_KEY


class TestResendContract(ConnectorContract):
    connector_cls = ResendConnector
    settings: ClassVar[Mapping[str, Any]] = {"api_key": "re_contract_key",
                                   "from_address": "Shop <news@shop.example>",
                                   "webhook_secret": "whsec_c2VjcmV0LXNpZ25pbmcta2V5"}
    http_probe = HttpProbe("/domains", ok={"object": "list", "has_more": False, "data": []})

    @pytest.fixture
    def live_settings(self, start_resend_sandbox: Callable[..., SandboxServer]
                      ) -> Mapping[str, Any]:
        sandbox = start_resend_sandbox()
        return {**self.settings, "api_key": API_KEY, "base_url": sandbox.base_url}

    @pytest.fixture
    def bad_settings(self, live_settings: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**live_settings, "api_key": "re_revoked"}

    def test_check_says_which_key_to_make(self, bad_settings: Mapping[str, Any]) -> None:
        result = self.with_connector(bad_settings, lambda c: c.check())
        assert not result.ok
        assert "API Keys" in result.message
        assert "invalid_api_key" in result.message

    def test_check_accepts_a_sending_only_key(self, live_settings: Mapping[str, Any]) -> None:
        sending = {**live_settings, "api_key": "re_sandbox_sending_key"}
        result = self.with_connector(sending, lambda c: c.check())
        assert result.ok
        assert "sending-only" in result.message

    def test_a_webhook_secret_not_from_svix_is_refused(self) -> None:
        with pytest.raises(ValueError, match="whsec_"):
            ResendConnector.settings_model.model_validate(
                {**self.settings, "webhook_secret": "plain"})

    def test_the_send_pace_defaults_to_resends_team_limit(
            self, live_settings: Mapping[str, Any]) -> None:
        async def pace(connector: Any) -> str:
            return str(connector.client.limiter.rate)

        assert self.with_connector(live_settings, pace) == "2/1s"
