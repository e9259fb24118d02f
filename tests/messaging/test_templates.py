"""Templates: rendered with real data, and a missing variable refused before any send,
naming the template's file, line and variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.store import StateStore
from tests.messaging.conftest import NO_WAIT, MakeMessaging, add_contact, intent, write_templates
from tests.messaging.sender import RecordingSender


def test_preview_renders_every_part_with_the_contacts_data(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "c1")
    rendered = make_messaging().preview("hello", "c1")
    assert rendered.subject == "Hello Ann-c1"
    assert rendered.preheader == "News for you"
    assert rendered.text.startswith("Hi Ann-c1\nUnsubscribe: https://shop.example/unsubscribe?")
    assert (rendered.html_with_preheader() or "").startswith('<div style="display:none')


async def test_a_missing_variable_refuses_the_campaign_before_any_send(
        store: StateStore, make_messaging: MakeMessaging, templates_dir: Path) -> None:
    write_templates(templates_dir, {"promo": {
        "subject.liquid": "A gift for {{ contact.first_name }}",
        "text.liquid": "Hello,\nyour code: {{ offer_code }}\n{{ contact.nickname }}",
    }})
    for c in ["c1", "c2"]:
        add_contact(store, c)
    messaging = make_messaging()
    messaging.enqueue(intent(c, "promo-launch", template="promo",
                             variables={"offer_code": "X"} if c == "c1" else {})
                      for c in ["c1", "c2"])
    with pytest.raises(ConfigError) as refused:
        messaging.check("promo-launch")
    where = {(Path(p.file).relative_to(templates_dir).as_posix(), p.line, p.field)
             for p in refused.value.problems}
    assert where == {("promo/text.liquid", 3, "contact"), ("promo/text.liquid", 2, "offer_code"),
                     ("promo/text.liquid", None, "unsubscribe_url")}
    assert "'contact.nickname'" in str(refused.value)
    assert "must carry an unsubscribe link" in str(refused.value)
    assert messaging.refuse_queued("promo-launch", "template", str(refused.value)) == 2
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert sender.calls == []
    assert report.sent == 0


def test_a_template_that_cannot_parse_names_its_file(
        store: StateStore, make_messaging: MakeMessaging, templates_dir: Path) -> None:
    write_templates(templates_dir, {"broken": {"text.liquid": "Hi {{ contact.first_name "},
                                    "partless": {"subject.liquid": "no body"}})
    add_contact(store, "c1")
    messaging = make_messaging()
    with pytest.raises(ConfigError, match=r"broken/text\.liquid"):
        messaging.preview("broken", "c1")
    with pytest.raises(ConfigError, match="needs a text part"):
        messaging.preview("partless", "c1")
    with pytest.raises(ConfigError, match=r"no template 'nope'.*hello"):
        messaging.preview("nope", "c1")


async def test_the_worker_refuses_what_cannot_render_instead_of_sending_it(
        store: StateStore, make_messaging: MakeMessaging) -> None:
    add_contact(store, "c1")
    messaging = make_messaging()
    messaging.enqueue([intent("c1", template="cart")])  # no products, no cart_value
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()
    assert report.refused == {"template": 1}
    assert sender.calls == []


async def test_an_email_without_an_unsubscribe_link_is_never_sent(
        store: StateStore, make_messaging: MakeMessaging, templates_dir: Path) -> None:
    write_templates(templates_dir, {"bare": {"text.liquid": "Hi {{ contact.first_name }}"}})
    add_contact(store, "c1")
    messaging = make_messaging()
    messaging.enqueue([intent("c1", template="bare")])
    with pytest.raises(ConfigError, match="must carry an unsubscribe link"):
        messaging.check()
    sender = RecordingSender()
    report = await messaging.worker(sender, "test", retry=NO_WAIT).run()  # unchecked: refused
    assert report.refused == {"template": 1}
    assert sender.calls == []
