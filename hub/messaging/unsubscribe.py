"""Unsubscribe links and RFC 8058 one-click headers, signed so no one can forge them.

Every marketing email carries a link `…/unsubscribe?token=…` in its body (`unsubscribe_url`
in the templates' data) and the headers

    List-Unsubscribe: <…/unsubscribe?token=…>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

A mailbox provider's one-click POST to that URL, or the recipient's own click, opts the
contact out of the channel at once (hub.web.unsubscribe). The token is an HMAC over tenant,
contact, channel and message: it cannot be made for another contact without the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

from hub.errors import AuthError


@dataclass(frozen=True)
class Subscriber:
    tenant: str
    contact_id: str
    channel: str
    message_id: str = ""  # the message whose link it was: its campaign's unsubscribe rate


class UnsubscribeLinks:
    def __init__(self, url: str, secret: str) -> None:
        self.url, self._key = url, secret.encode()

    def token(self, who: Subscriber) -> str:
        parts = (who.tenant, who.contact_id, who.channel, who.message_id)
        body = _b64("\x1f".join(parts).encode())
        return f"{body}.{self._sign(body)}"

    def link(self, who: Subscriber) -> str:
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}{urlencode({'token': self.token(who)})}"

    def headers(self, who: Subscriber) -> dict[str, str]:
        return {"List-Unsubscribe": f"<{self.link(who)}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    def verify(self, token: str) -> Subscriber:
        """The subscriber a token names; AuthError when it is forged or malformed."""
        body, _, signature = token.partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            raise AuthError("the unsubscribe link is not valid")
        try:
            tenant, contact_id, channel, message_id = _unb64(body).decode().split("\x1f")
        except (ValueError, UnicodeDecodeError):
            raise AuthError("the unsubscribe link is not valid") from None
        return Subscriber(tenant, contact_id, channel, message_id)

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
