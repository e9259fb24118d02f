"""`Hub`: one hub's parts, each built on first use, once, and closed together.

The settings (environment over hub.yaml), hub.yaml itself, the plugin host and the state store
are what every front end needs; the services are built over them. Nothing heavy is imported
until it is asked for, so a front end that only prints its version or its help stays quick.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Self

from hub.errors import ConfigError, HubError
from hub.settings import HubSettings

if TYPE_CHECKING:
    from datetime import datetime

    from hub.app.leads import LeadsApp
    from hub.app.messaging import MessagingApp
    from hub.app.pipelines import Pipelines
    from hub.app.reports import Reports
    from hub.app.schema import Schema
    from hub.app.streams import Streams
    from hub.config import LoadedConfig
    from hub.engine import SyncEngine
    from hub.marketing.campaigns import CampaignService
    from hub.marketing.common import Clock
    from hub.marketing.leads import LeadPipeline
    from hub.marketing.rfm import SnapshotReport
    from hub.marketing.segments import RefreshResult, SegmentService, SegmentSet
    from hub.marketing.triggers import Firing, TriggerEngine, TriggerSet
    from hub.plugin.host import PluginHost
    from hub.store import StateStore

DEFAULT_TENANT = "default"
# the cached services that hold the store
_OVER_THE_STORE = ("sync_engine", "campaigns", "messaging_app", "streams")


class Hub:
    """The composition root, for the command line, the daemon, the worker and the web app.

    `config_path` is hub.yaml (default: $HUB_CONFIG, else ./hub.yaml). Close the hub (or use it
    as a context manager) to close the state store it opened.
    """

    def __init__(self, config_path: str | Path | None = None, *,
                 settings: HubSettings | None = None, host: PluginHost | None = None) -> None:
        self.settings = settings or HubSettings.from_env(config_path)
        self._host = host
        self._loaded: LoadedConfig | None = None
        self._store: StateStore | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close what this hub opened; it can be opened again by asking for it."""
        store, self._store = self._store, None
        for service in _OVER_THE_STORE:  # built again, over the store opened again
            self.__dict__.pop(service, None)
        if store is not None:
            store.close()

    # -- what every front end needs --------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.settings.config_path

    @property
    def has_config(self) -> bool:
        return self.config_path.is_file()

    @property
    def plugins(self) -> PluginHost:
        """The plugin host: installed connectors and transforms."""
        if self._host is None:
            from hub.plugin.host import default_host

            self._host = default_host()
        return self._host

    def config(self) -> LoadedConfig:
        """hub.yaml, loaded and checked once (loading builds every stream and sink)."""
        if self._loaded is None:
            from hub.config import load_config

            self._loaded = load_config(settings=self.settings, host=self.plugins)
        return self._loaded

    @property
    def tenant(self) -> str:
        """hub.yaml's tenant; without a hub.yaml (a store named by HUB_DATABASE_URL), the
        default one."""
        return self.config().config.tenant if self.has_config else DEFAULT_TENANT

    def tenant_or(self, chosen: str | None) -> str:
        return chosen or self.tenant

    def store_url(self) -> str:
        """Where the state store is: HUB_DATABASE_URL, else hub.yaml's `store.url`, else a
        SQLite file beside hub.yaml. Without either there is no hub to open."""
        if self.has_config:
            return self.settings.store_url(self.config().config.store.url)
        if not self.settings.database_url:
            raise ConfigError(f"{self.config_path}: no such file, so no state store to open "
                              "(create one with `hub init`, name one with --config, or set "
                              "HUB_DATABASE_URL)")
        return self.settings.store_url(None)

    def store(self) -> StateStore:
        """The state store, scoped to hub.yaml's tenant and upgraded to the current schema
        when first asked for; a store that cannot be used is one HubError naming it."""
        if self._store is None:
            from hub.app.schema import store_failures
            from hub.store import StateStore

            url = self.store_url()
            store = StateStore(url, tenant=self.tenant)
            try:
                with store_failures(url):
                    store.ensure_schema()
            except HubError:
                store.close()
                raise
            self._store = store
        return self._store

    @cached_property
    def schema(self) -> Schema:
        """The state store's schema revision, and its upgrade."""
        from hub.app.schema import Schema

        return Schema(self)

    # -- the services ----------------------------------------------------------------------
    @cached_property
    def pipelines(self) -> Pipelines:
        """Sync runs, dead-letter replay, the run history and the connection checks."""
        from hub.app.pipelines import Pipelines

        return Pipelines(self)

    @cached_property
    def streams(self) -> Streams:
        """The outbox relay, the broker's consumers and the worker."""
        from hub.app.streams import Streams

        return Streams(self)

    @cached_property
    def sync_engine(self) -> SyncEngine:
        from hub.engine import SyncEngine

        return SyncEngine(self.store())

    @cached_property
    def campaigns(self) -> CampaignService:
        from hub.marketing.campaigns import CampaignService

        return CampaignService(self.store())

    @cached_property
    def messaging_app(self) -> MessagingApp:
        """The send path: template previews, campaign sends, the send worker, the funnel."""
        from hub.app.messaging import MessagingApp

        return MessagingApp(self)

    @cached_property
    def reports(self) -> Reports:
        """Attribution, A/B tests, campaign performance, KPIs and uplift."""
        from hub.app.reports import Reports

        return Reports(self)

    def leads(self, *, tenant: str | None = None, reps: list[str] | None = None,
              actor: str) -> LeadPipeline:
        """The lead pipeline; with `reps`, qualified leads are assigned to them in turn."""
        from hub.marketing.leads import LeadPipeline, RoundRobin

        return LeadPipeline(self.store(), tenant=self.tenant_or(tenant),
                            assigner=RoundRobin(reps) if reps else None, actor=actor)

    @cached_property
    def leads_app(self) -> LeadsApp:
        """The lead pipeline through the CRM (hub.yaml `leads:`)."""
        from hub.app.leads import LeadsApp

        return LeadsApp(self)

    @cached_property
    def segment_set(self) -> SegmentSet:
        """hub.yaml's segment definitions, checked."""
        from hub.marketing.segments import load_segments

        return load_segments(self.config())

    @cached_property
    def trigger_set(self) -> TriggerSet:
        """hub.yaml's triggers, checked against its segments."""
        from hub.marketing.triggers import triggers_from_config

        loaded = self.config()
        return triggers_from_config(loaded.doc, loaded.config.triggers, self.segment_set)

    def segments(self, at: datetime | None = None) -> SegmentService:
        """The tenant's segments, as of `at` (default: now)."""
        from hub.marketing.segments import SegmentService

        segments = self.segment_set  # a bad definition is refused before the store opens
        return SegmentService(self.store(), segments, tenant=self.tenant, clock=_clock(at))

    def triggers(self, at: datetime | None = None) -> TriggerEngine:
        """The tenant's automation triggers, as of `at` (default: now)."""
        from hub.marketing.triggers import TriggerEngine

        triggers = self.trigger_set
        return TriggerEngine(self.store(), triggers, tenant=self.tenant, clock=_clock(at))

    def fire_triggers(self, at: datetime | None = None) -> list[Firing]:
        """Fire what is due as of `at`: occasions read from the store, then pending ones
        from events."""
        from hub.marketing.triggers import TriggerEvents

        engine = self.triggers(at)
        return engine.run() + TriggerEvents(engine).run_due()

    def rfm_snapshot(self, at: datetime | None = None, *, refresh_segments: bool = False
                     ) -> tuple[SnapshotReport, list[RefreshResult]]:
        """Score every customer as of `at` and write the day's snapshot; then, if asked and
        the snapshot is whole, refresh every segment (they may read the scores)."""
        from hub.marketing.rfm import take_snapshot

        service = self.segments(at)
        report = take_snapshot(self.store(), self.tenant, service.clock(),
                               self.segment_set.settings.rfm)
        refreshed = service.refresh_all() if refresh_segments and report.complete else []
        return report, refreshed


def _clock(at: datetime | None) -> Clock:
    from hub.marketing.common import as_utc, fixed_clock, system_clock

    return fixed_clock(as_utc(at)) if at else system_clock
