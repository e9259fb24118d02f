"""Benchmark of SMS sends through Twilio against the sender's configured rate.

Run with `python -m bench.messaging_sms`. The Twilio sandbox (its own limit set well above the
sender's) receives `--messages` SMS sent
by the connector's sender, one message a call as the core's send path hands them over, from
`--workers` concurrent senders sharing one number. The sender's limiter allows `--rate` (a
long code sends 1/s; the default 20/s keeps the run short): in `elapsed` seconds it allows at
most one window's burst plus `rate * elapsed`, and the run reports the share of that
allowance it used (target: 0.9), the SMS per second, and that no send met a 429. Prints a
table (`--out FILE` keeps the figures as JSON).

The sandbox checks no request against Twilio's OpenAPI here unless `--validate` is given:
that check costs the sandbox ~20 ms of its one event loop per request, which the figures
would then measure instead of the sender's pacing (the tests check every request).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import time
from importlib.metadata import version
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.options import parse, write
from connectors.twilio.connector import TwilioConnector
from connectors.twilio.sandbox import SandboxConfig, SandboxServer
from connectors.twilio.settings import TwilioSettings
from hub.connector import OutboundMessage, SendStatus
from hub.http import Rate
from hub.model.people import Channel

TARGET_RATIO = 0.9
FROM = "+15005550006"


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=200, help="SMS to send (default 200)")
    parser.add_argument("--rate", default="20/s",
                        help="the sender's rate, as a connection's sender_rate (default 20/s)")
    parser.add_argument("--workers", type=int, default=2,
                        help="concurrent senders sharing the number (default 2)")
    parser.add_argument("--validate", action="store_true",
                        help="check every request against Twilio's OpenAPI (slows the sandbox)")


async def send_all(connector: TwilioConnector, count: int, workers: int) -> list[SendStatus]:
    queue: asyncio.Queue[OutboundMessage] = asyncio.Queue()
    for i in range(count):
        to = f"+1415555{i % 10_000:04d}"
        queue.put_nowait(OutboundMessage(f"bench-{i}", Channel.SMS, to, f"Cart reminder {i}"))
    statuses: list[SendStatus] = []

    async def worker() -> None:
        sender = connector.sender()
        while not queue.empty():
            message = queue.get_nowait()
            statuses.extend(result.status for result in await sender.send([message]))

    await asyncio.gather(*(worker() for _ in range(workers)))
    return statuses


def run(count: int, rate_text: str, workers: int, validate: bool = False) -> dict[str, Any]:
    rate = Rate.parse(rate_text)
    config = SandboxConfig(rate_limit=max(1000, rate.requests * 10), request_log_size=100,
                           validate_contract=validate)
    with SandboxServer(config) as sandbox:
        connector = TwilioConnector(TwilioSettings(
            account_sid=config.account_sid, auth_token=config.auth_token,
            base_url=sandbox.base_url, from_number=FROM, sender_rate=rate_text))
        started = time.perf_counter()
        statuses = asyncio.run(send_all(connector, count, workers))
        elapsed = time.perf_counter() - started
        asyncio.run(connector.aclose())
        received = len(sandbox.state.sent())
        refused = sandbox.state.harness.log.statuses().get(429, 0)
        violations = sandbox.state.contract.count
    allowed = rate.requests + rate.per_second * elapsed
    return {
        "messages": count, "workers": workers, "sender_rate": str(rate),
        "accepted": statuses.count(SendStatus.ACCEPTED), "received_by_sandbox": received,
        "answers_429": refused, "contract_violations": violations,
        "elapsed_s": round(elapsed, 3), "sms_per_s": round(count / elapsed, 3),
        "allowance_used": round(count / allowed, 3), "target": TARGET_RATIO,
        "contract_checked": validate,
        "python": platform.python_version(), "twilio": version("twilio"),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv, options)
    console = Console()
    report = run(args.messages, args.rate, args.workers, args.validate)
    table = Table(title="SMS through Twilio (sandbox) against the sender's rate")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in report.items():
        table.add_row(key, str(value))
    console.print(table)
    ok = (report["allowance_used"] >= TARGET_RATIO and report["answers_429"] == 0
          and report["received_by_sandbox"] == report["messages"])
    console.print(f"{'met' if ok else 'MISSED'}: {report['allowance_used']:.0%} of the "
                  f"sender's allowance (target {TARGET_RATIO:.0%}), "
                  f"{report['answers_429']} answers 429")
    write(args.out, report, console)


if __name__ == "__main__":
    main()
