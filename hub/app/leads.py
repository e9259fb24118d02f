"""The lead pipeline through the CRM (seed 003 §1), as `hub leads process` runs it.

1. read back the CRM's leads through the connection's stream (hub.yaml `leads.crm`);
2. validate the captured leads, deduplicate them against the hub and the CRM (email +
   company), merge field by field under the sync's per-field conflict policy, score,
   assign qualified leads to a rep and fire each new lead's follow-up trigger, in one
   transaction (hub.marketing.leads);
3. run the `push` pipeline (store.leads → the CRM) through the sync engine, which creates or
   updates the CRM's records by the connector's sink and records one outcome per lead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from hub.config.yaml_source import problems_from
from hub.errors import ConfigError
from hub.marketing.leads import LeadBatch, LeadPipeline, RoundRobin
from hub.marketing.leads.crm import CrmSettings, LeadsSettings, ReadBack, read_back
from hub.marketing.leads.follow_up import FollowUp

if TYPE_CHECKING:
    from hub.app.core import Hub
    from hub.engine import RunResult


@dataclass(frozen=True)
class LeadRun:
    batch: LeadBatch
    read_back: ReadBack | None  # None without a CRM
    pushed: RunResult | None  # None without a push pipeline


class LeadsApp:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def settings(self) -> LeadsSettings:
        """hub.yaml's `leads:` section, checked (an empty one without hub.yaml)."""
        if not self.hub.has_config:
            return LeadsSettings()
        loaded = self.hub.config()
        try:
            found = LeadsSettings.model_validate(loaded.config.leads)
        except ValidationError as exc:
            raise ConfigError("hub.yaml's leads section is not right",
                              problems_from(loaded.doc, exc, ("leads",))) from None
        crm = found.crm
        if crm is not None:
            problems = []
            if crm.connection not in loaded.config.connections:
                problems.append(loaded.doc.problem(("leads", "crm", "connection"),
                                                   f"no connection named {crm.connection!r}"))
            if crm.push is not None and crm.push not in loaded.config.pipelines:
                problems.append(loaded.doc.problem(("leads", "crm", "push"),
                                                   f"no pipeline named {crm.push!r}"))
            if problems:
                raise ConfigError("hub.yaml's leads section is not right", problems)
        return found

    def pipeline(self, *, actor: str, tenant: str | None = None,
                 reps: list[str] | None = None) -> LeadPipeline:
        settings = self.settings()
        reps = reps or settings.reps
        return LeadPipeline(self.hub.store(), tenant=self.hub.tenant_or(tenant),
                            assigner=RoundRobin(reps) if reps else None, actor=actor,
                            policy={str(k): v for k, v in settings.conflicts.items()},
                            on_new=FollowUp(settings.follow_up.trigger,
                                            settings.follow_up.template))

    def process(self, raws: Iterable[Mapping[str, Any]], *, actor: str,
                reps: list[str] | None = None) -> LeadRun:
        """Read back the CRM, run the leads through the pipeline, push them to the CRM."""
        pipeline = self.pipeline(actor=actor, reps=reps)
        crm = self.settings().crm
        found = read_back(self.read_crm(crm), crm, pipeline.clock()) if crm else None
        batch = pipeline.process(raws, crm=found.candidates if found else ())
        pushed = self.hub.pipelines.sync(crm.push) if crm and crm.push else None
        return LeadRun(batch, found, pushed)

    def read_crm(self, crm: CrmSettings) -> list[Mapping[str, Any]]:
        """Every record of the CRM's stream, through the connection's connector."""
        wanted = sorted({*crm.fields.values(), crm.id_field, crm.modified_field} - {"Id"})
        connector = self.hub.config().connector(crm.connection)
        stream = connector.stream(crm.stream, {"fields": wanted})

        async def read() -> list[Mapping[str, Any]]:
            try:
                return [record async for page in stream.read(None) for record in page]
            finally:
                await connector.aclose()

        return asyncio.run(read())
