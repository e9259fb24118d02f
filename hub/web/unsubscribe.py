"""The unsubscribe endpoint: `GET|POST /unsubscribe?token=…`, from links the hub signed.

- POST (RFC 8058 one-click: a mailbox provider's `List-Unsubscribe=One-Click`, or the button
  of the confirmation page) opts the contact out of the channel at once: the consent is
  recorded opted-out and the contact suppressed, in one transaction, before the answer.
- GET shows a confirmation page with that button and changes nothing: link scanners follow
  every link in a message, and must not unsubscribe anyone (marketing-methods §9).

A token that is missing, malformed or not signed with the hub's secret gets 400 and changes
nothing.

    app = create_unsubscribe_app(store, links)   # mount it where `messaging.unsubscribe.url` points
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from hub.errors import AuthError
from hub.messaging.callbacks import record_unsubscribe
from hub.messaging.consent import set_consent
from hub.messaging.unsubscribe import Subscriber, UnsubscribeLinks
from hub.store import StateStore

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><p>{text}</p>{form}</body></html>"""


def create_unsubscribe_app(store: StateStore, links: UnsubscribeLinks, *,
                           clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                           path: str = "/unsubscribe") -> Starlette:
    def unsubscribe(who: Subscriber) -> None:
        at = clock()
        # one unsubscribe per link: a repeated one-click POST, or the confirm button after
        # the mailbox's one-click, is claimed already and counted once in the KPIs
        link = f"{who.tenant}:{who.channel}:{who.message_id or who.contact_id}"
        with store.transaction() as tx:
            set_consent(tx.conn, who.tenant, who.contact_id, who.channel, subscribed=False,
                        source="unsubscribe link", at=at)
            if tx.outbox.claim_event("unsubscribe", link):
                record_unsubscribe(tx.conn, who.tenant, who.contact_id, who.channel, "hub",
                                   f"unsubscribe:{link}", at, who.message_id or None)

    async def endpoint(request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            who = links.verify(token)
        except AuthError as exc:
            return _page("Invalid link", str(exc), status=400)
        if request.method == "GET":
            form = (f'<form method="post" action="?token={html.escape(token)}">'
                    '<button type="submit">Unsubscribe</button></form>')
            return _page("Unsubscribe", f"Stop receiving {who.channel} messages?", form=form)
        await run_in_threadpool(unsubscribe, who)
        return _page("Unsubscribed", f"You will receive no more {who.channel} messages.")

    return Starlette(routes=[Route(path, endpoint, methods=["GET", "POST"])])


def _page(title: str, text: str, *, form: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), text=html.escape(text),
                                     form=form), status_code=status)
