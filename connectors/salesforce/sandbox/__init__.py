"""A local emulator of a Salesforce org's REST API: its OAuth token endpoint, sObject describe,
upserts by external id through sObject Collections, SOQL query/queryAll paged by
`nextRecordsUrl`, 18-character ids, Salesforce's error codes, the org's daily API allocation
(`Sforce-Limit-Info`, `/limits`, 403 REQUEST_LIMIT_EXCEEDED) and sessions that expire on demand.

    from connectors.salesforce.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(daily_limit=50)) as org:
        ...                                    # instance_url = login_url = org.base_url
        org.state.modify("Lead", lead_id, {"Company": "Acme"})   # an edit in the UI
        org.state.sessions.expire_all()                          # every session ends now

Salesforce publishes no OpenAPI document for this API: every request is checked against the
documented shapes (`contract.py`) and a test asserts `org.state.contract.violations == []`.
The gateway, request log, limits, faults and serving are the harness in `hub.testing.sandbox`.
"""

from __future__ import annotations

from .app import create_app
from .config import SandboxConfig
from .errors import SalesforceError
from .server import SandboxServer, serve
from .state import SandboxState

__all__ = ["SalesforceError", "SandboxConfig", "SandboxServer", "SandboxState", "create_app",
           "serve"]
