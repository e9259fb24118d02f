"""What a campaign's check asks of the connection before a single SMS goes: can each body and
each recipient be sent, and at what cost in segments.

The core calls `TwilioConnector.campaign_problems(recipients, bodies)` when a campaign is
checked: every problem is a sentence a person can act on (an impossible number, a country the
account may not send to, a body over `max_segments`), and an empty list means go. A country
not enabled is only known here when the connection lists `enabled_countries`; otherwise the
first send there raises `RegionNotEnabled` (a ConfigError), which stops the send the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from .phone import InvalidNumber, country_of, to_e164
from .segments import count_segments
from .settings import TwilioSettings

__all__ = ["campaign_problems", "segment_total"]


def campaign_problems(settings: TwilioSettings, recipients: Iterable[str],
                      bodies: Iterable[str]) -> list[str]:
    problems: list[str] = []
    refused: dict[str, int] = {}
    allowed = settings.enabled_countries
    for raw in recipients:
        try:
            number = to_e164(raw, settings.default_region)
        except InvalidNumber as exc:
            problems.append(str(exc))
            continue
        country = country_of(number) or "unknown"
        if allowed is not None and country not in allowed:
            refused[country] = refused.get(country, 0) + 1
    for country, count in sorted(refused.items()):
        problems.append(
            f"{count} recipient(s) in {country}, which the account may not send SMS to "
            f"(enabled_countries: {', '.join(allowed or [])}): enable it in the Twilio console "
            "(Messaging > Settings > Geo permissions) and in `enabled_countries`, or leave "
            "them out")
    for body in bodies:
        segments = count_segments(body)
        if segments.count > settings.max_segments:
            problems.append(
                f"a body takes {segments.count} SMS segments ({segments.encoding}), more than "
                f"max_segments {settings.max_segments}: shorten it"
                + (", or avoid characters outside GSM-7 (emoji, curly quotes)"
                   if segments.encoding == "UCS-2" else ""))
    return problems


def segment_total(bodies: Iterable[str]) -> int:
    """The SMS segments (what Twilio bills) the bodies take, one recipient each."""
    return sum(count_segments(body).count for body in bodies)
