"""Benchmark of sending messages at a provider's rate limit: how close the hub runs to it.

Run with `python -m bench.messaging`. Each channel is a part; `--channel` picks them (all by
default). The email part starts the Resend sandbox in its own process (`hub sandbox resend`,
limited to `--rps` requests per second as a Resend team is, 2 by default) and sends
`--emails` emails (10,000) through the Resend connector's sender in batches of 100, a few
senders at once sharing the connection's limiter, each batch retried as the engine retries.
At 100 emails a call the ceiling is rps * 100 emails per second; the part reports what it
achieved against it (goal: 0.9), the send calls it spent, 429s and failures, and what the
sandbox counted (every email once, no contract violation). Prints a table per part
(`--out FILE` keeps the figures as JSON).

The hub's limiter counts a call from its answer, the safe side of a window the vendor counts
from arrivals, so each second of the limit is followed by one call's latency and the ratio is
about 1 / (1 + latency). The sandbox checks no request against Resend's OpenAPI document here
unless `--validate` is given: that check of a 100-email batch takes the sandbox ~60-100 ms,
which the figures would then measure instead of the sender's pacing (the tests check every
request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.options import parse, write
from connectors.resend import ResendConnector, ResendSettings
from hub.connector.messaging import OutboundMessage, SendResult, SendStatus
from hub.errors import RateLimitedError
from hub.http import RetryPolicy, retry_call
from hub.model.people import Channel

TARGET_RATIO = 0.9
SENDERS = 4  # batches in flight at once: the limiter, not the senders, sets the pace
RETRY = RetryPolicy(attempts=6, max_wait=30.0, base_wait=0.2)
SANDBOX_KEY = "re_sandbox_key"


@dataclass(frozen=True)
class Part:
    """One channel's benchmark: its options' defaults are read from `args`."""

    title: str
    run: Callable[[argparse.Namespace], dict[str, Any]]


# -- the sandbox, in its own process -----------------------------------------------------------

class SandboxProcess:
    """`hub sandbox VENDOR` in a child process; its URL, and its summary once stopped."""

    def __init__(self, vendor: str, knobs: dict[str, Any]) -> None:
        settings = [arg for name, value in knobs.items() for arg in ("--set", f"{name}={value}")]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "hub", "sandbox", vendor, "--port", "0", *settings],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url = self._wait_ready()
        self.summary: dict[str, Any] = {}

    def _wait_ready(self) -> str:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            if line.startswith("ready on "):
                return line.removeprefix("ready on ").strip()
        raise RuntimeError(f"the sandbox exited ({self._process.wait()}) before it was ready")

    def stop(self) -> dict[str, Any]:
        self._process.terminate()
        _, rest = self._process.communicate(timeout=60)
        for line in rest.splitlines():
            if line.startswith("summary "):
                self.summary = json.loads(line.removeprefix("summary "))
        return self.summary


# -- email through Resend ----------------------------------------------------------------------

def outgoing_emails(count: int) -> list[OutboundMessage]:
    return [OutboundMessage(
        idempotency_key=f"bench:{i}", channel=Channel.EMAIL, to=f"person{i}@example.com",
        subject="Your cart misses you", text=f"Hello {i}", html=f"<p>Hello {i}</p>",
        headers={"List-Unsubscribe": f"<https://shop.example/u/{i}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        tags={"campaign_id": "bench", "message_id": f"m{i}"}) for i in range(count)]


async def send_emails(url: str, rps: int, emails: list[OutboundMessage]
                      ) -> tuple[list[SendResult], int, float]:
    """Send every email; (results, 429s the senders saw, seconds)."""
    settings = ResendSettings.model_validate({
        "api_key": SANDBOX_KEY, "base_url": url, "from_address": "Shop <news@shop.example>",
        "rate_limit": {"requests": rps, "per_seconds": 1}})
    connector = ResendConnector(settings, name="bench")
    sender = connector.sender()
    batches = [emails[i:i + sender.batch_size] for i in range(0, len(emails), sender.batch_size)]
    queue: asyncio.Queue[list[OutboundMessage]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)
    results: list[SendResult] = []
    limited = 0

    async def counted(batch: list[OutboundMessage]) -> list[SendResult]:
        nonlocal limited
        try:
            return await sender.send(batch)
        except RateLimitedError:
            limited += 1
            raise

    async def worker() -> None:
        while not queue.empty():
            batch = queue.get_nowait()
            results.extend(await retry_call(counted, batch, policy=RETRY, what="send"))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker() for _ in range(SENDERS)))
    finally:
        await connector.aclose()
    return results, limited, time.perf_counter() - started


def implied_latency(seconds: float, rps: int, calls: int) -> float | None:
    periods = calls / rps
    return round((seconds - periods + 1) / periods, 3) if periods else None


def email_part(args: argparse.Namespace) -> dict[str, Any]:
    count, rps = args.emails, args.rps
    sandbox = SandboxProcess("resend", {"requests_per_second": rps,
                                        "daily_quota": max(count, 1),
                                        "validate_contract": args.validate})
    try:
        results, limited, seconds = asyncio.run(send_emails(sandbox.url, rps,
                                                            outgoing_emails(count)))
    finally:
        served = sandbox.stop()
    accepted = sum(1 for r in results if r.status is SendStatus.ACCEPTED)
    ceiling = rps * 100
    rate = accepted / seconds
    return {
        "emails": count,
        "limit": f"{rps} requests per second",
        "accepted": accepted,
        "failed": len(results) - accepted,
        "seconds": round(seconds, 3),
        "emails_per_second": round(rate, 1),
        "ceiling_emails_per_second": ceiling,
        "ratio": round(rate / ceiling, 3),
        "target_ratio": TARGET_RATIO,
        "send_calls": served.get("send_calls"),
        "rate_limited_429s": limited,
        # the limiter counts a call from its answer, so each period of the limit is followed
        # by one call's latency L: calls/rps periods take (calls/rps - 1) * (1 + L) + L seconds
        "implied_call_latency_s": implied_latency(seconds, rps, served.get("send_calls") or 0),
        "emails_in_sandbox": served.get("emails"),
        "recipients_sent_twice": served.get("recipients_sent_twice"),
        "requests_checked_against_openapi": served.get("requests_checked"),
        "contract_violations": served.get("contract_violations"),
        "sandbox": served,
    }


PARTS: dict[str, Part] = {"email": Part("Email through Resend", email_part)}


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--channel", choices=sorted(PARTS), action="append",
                        help="the parts to run (repeatable; default: all)")
    parser.add_argument("--emails", type=int, default=10_000, help="emails to send (10,000)")
    parser.add_argument("--rps", type=int, default=2,
                        help="the provider's requests per second (Resend's default: 2)")
    parser.add_argument("--validate", action="store_true",
                        help="the sandbox checks every request against the vendor's OpenAPI "
                        "(its cost becomes part of each call's latency, which the pace adds to)")


def show(console: Console, title: str, figures: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if not isinstance(value, dict):
            table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int)
                          else str(value))
    console.print(table)


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv, options)
    console = Console()
    report: dict[str, Any] = {
        "environment": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    for name in args.channel or sorted(PARTS):
        part = PARTS[name]
        report[name] = part.run(args)
        show(console, f"{part.title}: {report[name]['limit']}", report[name])
    write(args.out, report, console)


if __name__ == "__main__":
    main()
