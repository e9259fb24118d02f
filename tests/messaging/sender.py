"""A faithful test sender: implements MessageSender the way a provider behaves.

It keeps the provider's side of things: every request it got (`calls`), every message it
accepted (`accepted`, by idempotency key), and, given a `log` file, makes both durable as a
real provider's are, so a worker killed mid-send and run again meets the same provider.
An idempotent one answers a repeated key with the id it gave first and delivers nothing new;
a plain one delivers whatever it is sent and can say what it already has (`find_sent`).
It can be told to answer REJECTED, SUPPRESS or RETRY for an address, or to spend its quota.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.connector.messaging import MessageSender, OutboundMessage, SendResult
from hub.errors import QuotaExhaustedError
from hub.model.people import Channel


class RecordingSender(MessageSender):
    channel = Channel.EMAIL
    batch_size = 100
    idempotent = True

    def __init__(self, *, channel: Channel = Channel.EMAIL, idempotent: bool = True,
                 batch_size: int = 100, log: Path | None = None,
                 quota: int | None = None) -> None:
        self.channel, self.idempotent, self.batch_size = channel, idempotent, batch_size  # type: ignore[misc]
        self.log, self.quota = log, quota
        self.calls: list[list[OutboundMessage]] = []
        self.deliveries: list[dict[str, Any]] = []  # what reached recipients, in order
        self.accepted: dict[str, str] = {}
        self.answers: dict[str, list[SendResult]] = {}  # address → answers, used in turn
        if log is not None and log.exists():
            for line in log.read_text().splitlines():
                entry = json.loads(line)
                if entry["event"] == "delivered":
                    self.deliveries.append(entry)
                    self.accepted[entry["key"]] = entry["id"]

    def answer(self, address: str, *results: SendResult) -> None:
        self.answers[address] = list(results)

    async def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        assert 0 < len(messages) <= self.batch_size
        if self.quota is not None and len(self.calls) >= self.quota:
            raise QuotaExhaustedError("daily quota spent")
        self.calls.append(list(messages))
        self._write({"event": "request", "keys": [m.idempotency_key for m in messages]})
        return [self._one(m) for m in messages]

    def _one(self, message: OutboundMessage) -> SendResult:
        scripted = self.answers.get(message.to)
        if scripted:
            return scripted.pop(0)
        if self.idempotent and message.idempotency_key in self.accepted:
            return SendResult.accepted(self.accepted[message.idempotency_key])
        provider_id = f"pm-{len(self.deliveries) + 1}"
        entry = {"event": "delivered", "key": message.idempotency_key, "id": provider_id,
                 "to": message.to, "subject": message.subject, "text": message.text,
                 "headers": dict(message.headers), "tags": dict(message.tags)}
        self.deliveries.append(entry)
        self.accepted[message.idempotency_key] = provider_id
        self._write(entry)
        return SendResult.accepted(provider_id)

    async def find_sent(self, message: OutboundMessage) -> str | None:
        # what a provider without keys can match on: the recipient and the body
        for entry in self.deliveries:
            if entry["to"] == message.to and entry["text"] == message.text:
                return str(entry["id"])
        return None

    def _write(self, entry: dict[str, Any]) -> None:
        if self.log is None:
            return
        with self.log.open("a") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def delivered_keys(self) -> list[str]:
        return [d["key"] for d in self.deliveries]
