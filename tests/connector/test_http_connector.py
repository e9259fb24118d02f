"""HttpConnector: a client built once from the settings, the check() ladder in words, and
streams, sinks and webhooks declared on the class instead of written as `if` chains."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import hub_connector_example.plugin as example_plugin
import pytest
from hub_connector_example.plugin import ExampleConnector, ExampleSettings
from hub_connector_example.sandbox import API_KEY, PeopleApi
from pydantic import SecretStr, ValidationError

from hub import ConfigError, Connector, ConnectorSettings, WebhookVerifier
from hub.config import load_config
from hub.plugin.host import PluginHost
from hub.testing.sandbox.faultserver import FaultServer, Step

Sandbox = tuple[FaultServer, PeopleApi]


def connect(url: str | None, key: str = API_KEY, **settings: Any) -> ExampleConnector:
    return ExampleConnector(ExampleSettings(api_key=key, base_url=url, **settings))


@pytest.fixture
async def people(sandbox: Sandbox) -> AsyncIterator[ExampleConnector]:
    connector = connect(sandbox[0].url)
    yield connector
    await connector.aclose()


# -- the client ----------------------------------------------------------------------------

async def test_the_client_is_built_once_from_the_settings(people: ExampleConnector,
                                                          sandbox: Sandbox) -> None:
    client = people.client
    assert people.client is client
    assert str(client.base_url) == sandbox[0].url
    assert client.timeout.read == 30.0
    assert client.policy is ExampleConnector.policy
    assert client.limiter is not None
    assert str(client.limiter.rate) == "50/1s"  # the connector's default pace
    answer = await people.request("GET", "/v1/me")  # its auth: the sandbox checks the key
    assert answer.json() == {"user": "sandbox"}
    await people.aclose()
    assert client.is_closed
    assert people.client is not client  # a closed connection opens a new client on use


async def test_the_vendors_url_and_the_connections_limits_apply() -> None:
    connector = connect(None, timeout=4.5, rate_limit={"requests": 7, "per_seconds": 2})
    client = connector.client
    assert str(client.base_url) == "https://api.example.com"
    assert client.timeout.read == 4.5
    assert client.limiter is not None
    assert str(client.limiter.rate) == "7/2s"
    await connector.aclose()


async def test_connections_on_one_credential_share_one_limiter(sandbox: Sandbox) -> None:
    url = sandbox[0].url
    one, two, other = connect(url), connect(url), connect(url, key="another-key")
    assert one.client.limiter is two.client.limiter
    assert one.client.limiter is not other.client.limiter
    for connector in (one, two, other):
        await connector.aclose()


# -- check() -------------------------------------------------------------------------------

async def test_check_passes_with_good_credentials(people: ExampleConnector,
                                                  sandbox: Sandbox) -> None:
    result = await people.check()
    assert result.ok
    assert result.message == f"Example at {sandbox[0].url} accepted the credentials"
    assert result.details["rate_limit"] == "50/1s"


async def test_check_says_the_key_was_refused_and_what_to_do(sandbox: Sandbox) -> None:
    connector = connect(sandbox[0].url, key="revoked")
    result = await connector.check()
    await connector.aclose()
    assert not result.ok
    assert result.message.startswith("Example answered 401: invalid API key [UNAUTHORIZED]. "
                                     "The credentials were refused")
    assert "check the connection's token or API key" in result.message


@pytest.mark.parametrize(("answer", "words"), [
    (Step(403, json={"message": "missing scope"}), "not allowed to do this: check its scopes"),
    (Step(503, json={"message": "maintenance"}),
     "Example answered 503: maintenance. Example is reachable but failing"),
    (Step(404, json={"message": "no such path"}), "answered unexpectedly: Example answered 404"),
])
async def test_check_says_what_the_vendor_answered(sandbox: Sandbox, answer: Step,
                                                   words: str) -> None:
    server, _ = sandbox
    server.app.script("/v1/me", answer)
    connector = connect(server.url)
    result = await connector.check()
    await connector.aclose()
    assert not result.ok
    assert words in result.message
    retried = answer.status == 503
    assert len(server.app.requests("/v1/me")) == (2 if retried else 1)


async def test_check_says_the_host_cannot_be_reached() -> None:
    with socket.socket() as probe:  # a port nobody listens on: connecting is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connector = connect(f"http://127.0.0.1:{port}")
    result = await connector.check()
    await connector.aclose()
    assert not result.ok
    assert result.message.startswith(f"cannot reach 127.0.0.1:{port}: ")
    assert "Check `base_url` and the network" in result.message


# -- declarations --------------------------------------------------------------------------

def test_declared_streams_and_sinks_are_listed_and_built() -> None:
    assert ExampleConnector.stream_names == ("people",)
    assert ExampleConnector.sink_names == ("people",)
    connector = connect(None)
    assert connector.stream("people", {"page_size": 3}).name == "people"
    assert connector.sink("people").name == "people"


def test_an_unknown_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"connector 'example' has no stream 'persons' "
                                          r"\(streams: people\)"):
        connect(None).stream("persons")
    with pytest.raises(ConfigError, match=r"has no sink 'contacts' \(sinks: people\)"):
        connect(None).sink("contacts")


def test_unknown_or_bad_options_are_refused() -> None:
    with pytest.raises(ValidationError) as unknown:
        connect(None).stream("people", {"page_sise": 10})
    assert [e["type"] for e in unknown.value.errors()] == ["extra_forbidden"]
    with pytest.raises(ValidationError):
        connect(None).sink("people", {"batch_size": 1000})


def test_config_check_points_at_the_bad_option_in_hub_yaml(tmp_path: Path) -> None:
    (tmp_path / "hub.yaml").write_text(
        "version: 1\n"
        "connections:\n"
        "  crm: {connector: example, api_key: k}\n"
        "pipelines:\n"
        "  people:\n"
        "    source: {connection: crm, stream: people, page_sise: 10}\n"
        "    destination: {connection: crm, object: persons}\n")
    host = PluginHost(entry_points_=[], extra_plugins={"example": example_plugin}).load()
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path / "hub.yaml", host=host)
    text = str(refused.value)
    assert "hub.yaml:6:" in text
    assert "pipelines.people.source.page_sise: unknown key" in text
    assert "connector 'example' has no sink 'persons' (sinks: people)" in text


class SignedSettings(ConnectorSettings):
    signing_secret: SecretStr


class Signed(WebhookVerifier):
    def __init__(self, secret: str) -> None:
        self.secret = secret

    @classmethod
    def from_settings(cls, settings: Any) -> Self:
        return cls(settings.signing_secret.get_secret_value())

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        return None


class WithWebhooks(Connector[SignedSettings]):
    id: ClassVar[str] = "signed"
    settings_model = SignedSettings
    webhook_verifier_class = Signed
    sandbox = "signed.sandbox"

    async def check(self) -> Any:
        raise NotImplementedError


def test_the_webhook_verifier_and_sandbox_are_declared_on_the_class() -> None:
    verifier = WithWebhooks(SignedSettings(signing_secret="whsec")).webhook_verifier()
    assert isinstance(verifier, Signed)
    assert verifier.secret == "whsec"
    assert WithWebhooks.sandbox == "signed.sandbox"
    assert ExampleConnector.sandbox == "hub_connector_example.sandbox"
    with pytest.raises(ConfigError, match="connector 'example' receives no webhooks"):
        connect(None).webhook_verifier()
