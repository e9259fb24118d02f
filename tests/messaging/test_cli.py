"""`hub send`, `hub templates preview|list` and `hub report campaign` on a real hub.yaml,
with a channel provider registered as a plugin would be (its sender: the test sender)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa

from hub.app import Hub
from hub.cli.app import console, errors, main
from hub.connector import CheckResult, Connector, ConnectorSettings
from hub.connector.messaging import DeliveryEvent, MessageSender, OptOut
from hub.model import Campaign, CampaignStatus, CampaignType, EngagementType
from hub.plugin.host import default_host
from hub.store import StateStore
from hub.store import tables as t
from tests.messaging.conftest import NOW, add_contact, write_templates
from tests.messaging.sender import RecordingSender

HUB_YAML = """\
version: 1
store: {{url: "{url}"}}
connections:
  outbox: {{connector: test-sender, log: provider.jsonl}}
messaging:
  templates: templates
  senders: {{email: outbox}}
  from: {{email: "Shop <news@shop.example>"}}
  unsubscribe: {{url: "https://shop.example/unsubscribe", secret: "${{UNSUB_SECRET}}"}}
  caps:
    email: {{per_week: 3, per_day: 1}}
"""


class SenderSettings(ConnectorSettings):
    log: str


class OutboxConnector(Connector[SenderSettings]):
    id: ClassVar[str] = "test-sender"
    settings_model = SenderSettings

    def sender(self) -> MessageSender:
        return RecordingSender(log=Path(self.settings.log))

    def parse_callback(self, payload: Any) -> list[DeliveryEvent | OptOut]:
        return [DeliveryEvent("outbox", e["id"], e["message"], EngagementType(e["type"]), NOW)
                for e in payload["events"]]

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, message="ok")


@pytest.fixture
def project(store: StateStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[Path]:
    for name in ("HUB_DATABASE_URL", "HUB_CONFIG", "HUB_FAILPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UNSUB_SECRET", "s3cret")
    monkeypatch.setattr(console, "width", 1000)
    monkeypatch.setattr(errors, "width", 1000)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hub.yaml").write_text(HUB_YAML.format(url=store.url))
    write_templates(tmp_path / "templates")
    registry = default_host().connectors
    registry.add(OutboxConnector)
    yield tmp_path
    registry._classes.pop("test-sender")
    registry._owners.pop("test-sender")


def _campaign(store: StateStore, members: list[str], variants: list[dict[str, Any]]) -> None:
    campaign = Campaign(id="spring", name="Spring sale", type=CampaignType.PROMOTION,
                        status=CampaignStatus.RUNNING, channels=["email"],
                        audience_segment="fans", variants=variants)
    with store.transaction() as tx:
        tx.conn.execute(t.campaigns.insert().values(
            tenant="default", id="spring", name="Spring sale", type="promotion", status="running",
            document=campaign.model_dump(mode="json"), updated_at=NOW))
        for c in members:
            tx.conn.execute(t.segment_members.insert().values(
                tenant="default", segment="fans", contact_id=c, entered_at=NOW))


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_campaign_send_ab_subjects_and_report(project: Path, store: StateStore,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    for c in ["c1", "c2", "c3", "c4"]:
        add_contact(store, c)
    add_contact(store, "c5", consent="opted_out")
    _campaign(store, ["c1", "c2", "c3", "c4", "c5"],
              [{"name": "A", "subject": "Spring is here"},
               {"name": "B", "subject": "20% off, this week only"}])
    code, out, err = _run(capsys, "send", "--campaign", "spring", "--template", "hello")
    assert code == 0, err
    assert "5 new message(s) queued" in out
    provider = RecordingSender(log=project / "provider.jsonl")
    assert len(provider.deliveries) == 4
    assert {d["subject"] for d in provider.deliveries} <= {"Spring is here",
                                                           "20% off, this week only"}
    assert all(d["tags"]["variant"] in ("A", "B") for d in provider.deliveries)
    code, out, err = _run(capsys, "send", "--campaign", "spring", "--template", "hello")
    assert code == 0, err
    assert "0 new message(s) queued" in out
    assert len(RecordingSender(log=project / "provider.jsonl").deliveries) == 4
    first, second = (d["id"] for d in provider.deliveries[:2])
    with Hub(project / "hub.yaml") as hub:  # the providers' webhooks, once verified
        handle = hub.messaging_app.delivery_handler()
        applied = handle("outbox", {"events": [
            {"id": "e1", "message": first, "type": "delivered"},
            {"id": "e2", "message": second, "type": "delivered"},
            {"id": "e3", "message": first, "type": "opened"},
            {"id": "e3", "message": first, "type": "opened"}]})
    assert applied is not None
    assert (applied.recorded, applied.duplicates) == (3, 1)
    code, out, err = _run(capsys, "report", "campaign", "spring")
    assert code == 0, err
    assert "funnel: sent 4 → delivered 2 → opened 1 → clicked 0 → converted 0" in out
    assert "refused: no consent 1" in out


def test_a_campaign_whose_template_lacks_a_variable_sends_nothing(
        project: Path, store: StateStore, capsys: pytest.CaptureFixture[str]) -> None:
    add_contact(store, "c1")
    _campaign(store, ["c1"], [])
    write_templates(project / "templates", {"spring": {
        "text.liquid": "Hi {{ contact.first_name }}\nUse {{ coupon_code }} today"}})
    code, _, err = _run(capsys, "send", "--campaign", "spring")
    assert code == 2
    assert "templates/spring/text.liquid:2:8: coupon_code: template 'spring' uses " \
           "'coupon_code'" in err
    assert not (project / "provider.jsonl").exists()
    with store.engine.connect() as conn:
        reasons = conn.execute(sa.select(t.message_refusals.c.reason)).scalars().all()
    assert reasons == ["template"]


def test_templates_preview_and_list(project: Path, store: StateStore,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    add_contact(store, "c1")
    code, out, err = _run(capsys, "templates", "preview", "hello", "--contact", "c1")
    assert code == 0, err
    assert "Hello Ann-c1" in out
    assert "https://shop.example/unsubscribe?token=" in out
    code, out, _ = _run(capsys, "templates", "list")
    assert out.split() == ["cart", "hello", "sms"]
    code, _, err = _run(capsys, "templates", "preview", "cart", "--contact", "c1")
    assert code == 2
    assert "cart/text.liquid:1" in err
    code, _, err = _run(capsys, "send", "--channel", "pigeon")
    assert code == 2
    assert "unknown channel 'pigeon'" in err
