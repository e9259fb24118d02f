"""Twilio's refusals: the legacy REST error body `{code, message, more_info, status}` and the
codes the sandbox answers with, worded as Twilio words them."""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "TwilioError", "error_body"]

MESSAGES: dict[int, str] = {
    20001: "Invalid parameter: {detail}",
    20003: "Authenticate",
    20404: "The requested resource {path} was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21211: "Invalid 'To' Phone Number: {to}",
    21212: "Invalid From Number (caller ID): {from_}",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the "
           "'To' number: {to}",
    21602: "Message body is required.",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided ({from_}) is not a valid message-capable Twilio "
           "phone number for this destination.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21612: "The 'To' phone number: {to}, is not currently reachable using the 'From' phone "
           "number: {from_} via SMS.",
    21614: "'To' number {to} is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21620: "Invalid media URL(s)",
    21701: "The Messaging Service Sid {service} is invalid.",
}


def error_body(code: int, status: int, **fields: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": MESSAGES[code].format(**fields),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class TwilioError(Exception):
    """A refusal a route raises; the app answers it with Twilio's body."""

    def __init__(self, code: int, status: int = 400, **fields: str) -> None:
        self.code = code
        self.status = status
        self.fields = fields
        super().__init__(MESSAGES[code].format(**fields))

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.status, **self.fields)
