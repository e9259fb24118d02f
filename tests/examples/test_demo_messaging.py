"""The demo's messaging stage, start to finish, on a small generated shop: reminders and an
A/B-tested sale through Resend's sandbox with its signed webhooks back into the hub, SMS
reminders through Twilio's with a STOP reply, and the campaign report's figures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from rich.console import Console

from examples import demo_messaging
from hub.cli import main as hub
from tests.examples.demo_project import small_demo


@pytest.mark.slow
def test_the_messaging_stage_sends_and_reads_the_engagement_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = small_demo(tmp_path, monkeypatch)
    demo = settings.parent
    config = ["--config", str(settings)]
    assert hub([*config, "db", "upgrade"]) == 0
    for pipeline in ("customers", "consents", "orders", "carts", "cart_items"):
        assert hub([*config, "sync", pipeline]) == 0

    monkeypatch.setattr(demo_messaging, "SALE_SHARE", 60)  # an A/B test needs 100 contacts
    demo_messaging.run(Console(width=250), demo / "var", settings)

    out = " ".join(capsys.readouterr().out.split())
    assert "contract violations: Resend 0, Twilio 0" in out
    assert "(some still pending)" not in out
    assert all(name not in os.environ for name in demo_messaging.VARIABLES)
    engine = sa.create_engine(f"sqlite:///{demo / 'var' / 'hub.db'}")
    with engine.connect() as conn:
        def scalar(sql: str) -> int:
            return int(conn.execute(sa.text(sql)).scalar_one())
        sent = scalar("SELECT count(*) FROM messages WHERE campaign_id = 'winter-sale' "
                      "AND status = 'sent'")
        opened = scalar("SELECT count(DISTINCT message_id) FROM engagement_events "
                        "WHERE campaign_id = 'winter-sale' AND type = 'opened'")
        clicked = scalar("SELECT count(DISTINCT message_id) FROM engagement_events "
                         "WHERE campaign_id = 'winter-sale' AND type = 'clicked'")
        capped = scalar("SELECT count(*) FROM message_refusals WHERE campaign_id = 'winter-sale'"
                        " AND reason = 'capped'")
        sms = scalar("SELECT count(*) FROM messages WHERE channel = 'sms' AND status = 'sent'")
        sms_delivered = scalar("SELECT count(DISTINCT message_id) FROM engagement_events "
                               "WHERE channel = 'sms' AND type = 'delivered'")
        stopped = scalar("SELECT count(*) FROM consents WHERE channel = 'sms' "
                         "AND status = 'opted_out'")
    engine.dispose()
    assert sent > 10
    assert 0 < clicked <= opened < sent
    assert capped > 0  # today's cart reminder held the sale back for those contacts
    assert sms > 0
    assert sms_delivered == sms
    assert stopped == 1
    assert f"funnel: sent {sent:,} → delivered" in out
    assert f"→ opened {opened:,} → clicked {clicked:,} → converted" in out
    assert f"capped {capped:,}" in out
    assert "A/B test of winter-sale: open conversion" in out
    assert "Engagement of winter-sale by variant" in out
    converted = int(out.split(f"clicked {clicked:,} → converted ")[1].split()[0])
    assert 0 < converted <= clicked
