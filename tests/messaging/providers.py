"""A hub.yaml whose senders are the real connectors, pointed at their sandboxes: Resend for
email (`mail`) and Twilio for SMS (`sms`), quiet hours lifted (the tests that use it are about
delivery, not the send window)."""

from __future__ import annotations

from connectors.resend.sandbox import SandboxConfig as ResendConfig
from connectors.twilio.sandbox import SandboxConfig as TwilioConfig

FROM = "+15005550006"
UNUSED = "http://127.0.0.1:9"  # a sandbox a test does not start: never called

_HUB_YAML = """\
version: 1
store: {{url: "{url}"}}
connections:
  mail:
    connector: resend
    api_key: {resend_key}
    base_url: {resend_url}
    webhook_secret: {resend_secret}
    from_address: "Shop <news@shop.example>"
    rate_limit: {{requests: {rate}, per_seconds: 1}}
  sms:
    connector: twilio
    account_sid: {sid}
    auth_token: {token}
    base_url: {twilio_url}
    from_number: "{from_number}"
    sender_rate: {rate}/s
messaging:
  templates: templates
  senders: {senders}
  from: {{email: "Shop <news@shop.example>"}}
  unsubscribe: {{url: "https://shop.example/unsubscribe", secret: s3cret}}
  quiet_hours: {{sms: null}}
  caps: {{email: {{per_day: 5}}, sms: {{per_day: 5}}}}
"""


def hub_yaml(store_url: str, *, resend_url: str = UNUSED, twilio_url: str = UNUSED,
             senders: str = "{email: mail, sms: sms}", rate: int = 100) -> str:
    resend, twilio = ResendConfig(), TwilioConfig()
    return _HUB_YAML.format(
        url=store_url, resend_key=resend.api_keys[0], resend_url=resend_url,
        resend_secret=resend.webhook_secret, rate=rate, sid=twilio.account_sid,
        token=twilio.auth_token, twilio_url=twilio_url, from_number=FROM, senders=senders)
