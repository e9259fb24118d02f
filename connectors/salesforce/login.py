"""Getting a session from Salesforce's token endpoint with the connection's OAuth flow.

simple-salesforce hard-codes `https://{domain}.salesforce.com` for its logins and cannot use a
refresh token, so the connector asks `{login_url}/services/oauth2/token` itself and hands the
SDK the session and instance it gets back (`Salesforce(instance_url=…, session_id=…)`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from connectors.salesforce.settings import SalesforceSettings
from hub.errors import AuthError, TransientError

__all__ = ["Session", "sign_in"]

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

FLOW_HELP = {
    "refresh_token": "the refresh token was revoked or the app's client id is wrong: "
                     "reauthorise the connected app and set the new `refresh_token`",
    "jwt_bearer": "the app must hold the certificate of `private_key`, the user must be "
                  "pre-authorised for the app, and `username` must be that user",
    "client_credentials": "enable the client credentials flow on the connected app, set its "
                          "run-as user, and use your My Domain as `login_url`",
    "password": "check `username`, `password` and `security_token` (reset it from the user's "
                "settings), and that the app allows the username-password flow",
    "access_token": "the session ended: set a fresh `access_token`, or use an OAuth flow",
}


@dataclass(frozen=True)
class Session:
    access_token: str
    instance_url: str


def _form(settings: SalesforceSettings) -> dict[str, str]:
    flow = settings.flow
    secret = settings.client_secret.get_secret_value() if settings.client_secret else None
    client = {"client_id": settings.client_id or ""}
    if secret:
        client["client_secret"] = secret
    if flow == "refresh_token":
        assert settings.refresh_token is not None
        return {"grant_type": "refresh_token", **client,
                "refresh_token": settings.refresh_token.get_secret_value()}
    if flow == "password":
        assert settings.password is not None
        token = settings.security_token.get_secret_value() if settings.security_token else ""
        return {"grant_type": "password", **client, "username": settings.username or "",
                "password": settings.password.get_secret_value() + token}
    if flow == "jwt_bearer":
        return {"grant_type": JWT_GRANT, "assertion": _assertion(settings)}
    return {"grant_type": "client_credentials", **client}


def _assertion(settings: SalesforceSettings) -> str:
    import jwt

    assert settings.private_key is not None
    claims = {"iss": settings.client_id, "sub": settings.username,
              "aud": str(settings.login_url).rstrip("/"), "exp": int(time.time()) + 180}
    return jwt.encode(claims, settings.private_key.get_secret_value(), algorithm="RS256")


def sign_in(settings: SalesforceSettings, http: requests.Session) -> Session:
    """A fresh session; AuthError in words a person can act on, TransientError when the login
    server cannot be reached or fails."""
    if settings.access_token is not None:
        if settings.instance_url is None:
            raise AuthError("an `access_token` needs the org's `instance_url`")
        return Session(settings.access_token.get_secret_value(),
                       str(settings.instance_url).rstrip("/"))
    url = str(settings.login_url).rstrip("/") + "/services/oauth2/token"
    try:
        answer = http.post(url, data=_form(settings), timeout=settings.timeout)
    except requests.RequestException as exc:
        raise TransientError(f"Salesforce login at {url} unreachable: {exc}") from exc
    if answer.status_code >= 500:
        raise TransientError(f"Salesforce login at {url} answered {answer.status_code}")
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        said = f"{body.get('error', answer.status_code)}: {body.get('error_description', '')}" \
            if isinstance(body, dict) else str(answer.status_code)
        raise AuthError(f"Salesforce refused the {settings.flow.replace('_', ' ')} sign-in at "
                        f"{url} ({said.strip()}). To fix it: {FLOW_HELP[settings.flow]}.")
    instance = str(settings.instance_url or body.get("instance_url") or "").rstrip("/")
    return Session(str(body["access_token"]), instance)
