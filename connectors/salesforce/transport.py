"""simple-salesforce builds every URL as `https://{instance}/…`. An instance served over plain
HTTP (the sandbox, on loopback) is reached by mounting this adapter on the SDK's session for
that origin: it sends each request to the same host and port over HTTP instead."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

__all__ = ["PlainHttpAdapter", "session_for"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class PlainHttpAdapter(HTTPAdapter):
    """Rewrites `https://host:port/…` to `http://host:port/…` before sending."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        if request.url and request.url.startswith("https://"):
            request.url = "http://" + request.url.removeprefix("https://")
        return super().send(request, *args, **kwargs)


def session_for(*urls: str) -> requests.Session:
    """A session for the SDK: origins given as `http://` (loopback only) go over plain HTTP."""
    session = requests.Session()
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme == "http":
            if parts.hostname not in _LOOPBACK:
                raise ValueError(f"{url}: plain HTTP is only for a sandbox on loopback; "
                                 "Salesforce is reached over https")
            session.mount(f"https://{parts.netloc}", PlainHttpAdapter())
    return session
