"""Everything one sandbox holds, and what tests do as a person would: text the account.

    state.text("+14155552671", "+15005550006", "STOP")   # a recipient replies STOP

marks the pair opted out (a later send answers 21610) and posts the signed inbound-message
webhook to `inbound_url`, as Twilio does.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hub.testing.sandbox import FaultInjector, Harness, OpenAPIContract, Seen

from .callbacks import TwilioCallbacks
from .config import SandboxConfig
from .errors import TwilioError
from .messages import MessageStore
from .rules import SANDBOX_PREFIX, TwilioRules
from .senders import judge
from .shapes import Message

__all__ = ["CONTRACT", "SandboxState", "TwilioContract", "twilio_contract"]

CONTRACT = Path(__file__).with_name("openapi.json")


@functools.cache
def twilio_contract() -> OpenAPIContract:
    """Twilio's official OpenAPI for the operations the sandbox serves, read once per process."""
    return OpenAPIContract(CONTRACT)


class TwilioContract:
    """Twilio's OpenAPI for its API; the sandbox's own routes are not Twilio's to judge."""

    def __init__(self, document: OpenAPIContract) -> None:
        self._document = document

    def problems(self, seen: Seen) -> list[str]:
        if seen.path.startswith(SANDBOX_PREFIX):
            return []
        return self._document.problems(seen)


class SandboxState:
    """The account's messages and opt-outs, its callbacks, and the harness (log, limits,
    faults, contract) in front of it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.messages = MessageStore(config.account_sid)
        self.callbacks = TwilioCallbacks(config)
        self.harness = Harness(
            TwilioRules(config),
            faults=FaultInjector(config, seed=config.fault_seed,
                                 forced_refusals=config.forced_429s),
            contract=TwilioContract(twilio_contract()) if config.validate_contract else None,
            keep=config.request_log_size,
        )
        self.faults = self.harness.faults
        self.contract = self.harness.contract
        self._in_flight = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        self.callbacks.start()

    def stop(self) -> None:
        self.callbacks.stop()

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the account's concurrent-request slots, or refuse with 20429."""
        with self._lock:
            if self._in_flight >= self.config.max_concurrent:
                self.harness.log.count("refused")
                raise TwilioError(20429, 429)
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def send(self, form: dict[str, str]) -> dict[str, Any]:
        """Create a message as `POST …/Messages.json` does: the answer, as it stands when
        created; then its fate plays out (status and callbacks)."""
        message = self.messages.create(judge(form, self.config, self.messages.opted_out))
        created = message.to_json()
        final = self.callbacks.fate()
        if final == "failed":
            self.messages.set_status(message.sid, "failed", 30008, "Unknown error")
            self.callbacks.status_changes(message, ["failed"])
        else:
            error = (30003, "Unreachable destination handset") if final == "undelivered" \
                else (None, None)
            self.messages.set_status(message.sid, final, *error)
            self.callbacks.status_changes(message, ["sent", final])
        return created

    def text(self, from_: str, to: str, body: str) -> Message:
        """A person texts `body` from `from_` to the account's number `to`."""
        message, keyword = self.messages.receive(from_, to, body)
        self.callbacks.inbound(message, keyword)
        return message

    def sent(self) -> list[Message]:
        """Every outbound message, oldest first."""
        return [m for m in self.messages.all() if m.direction == "outbound-api"]
