"""What a connector author subclasses: Connector, Stream (a source) and Sink (a destination).

A connector is a factory of streams and sinks configured per pipeline. The engine does the
rest: paging is the stream's job, but retries, rate limits, mapping, validation, dedup, diff,
batching, dead letters and checkpoints are the engine's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from hub.connector.settings import ConnectorSettings

Record = dict[str, Any]
S = TypeVar("S", bound=ConnectorSettings)


class WriteMode(StrEnum):
    UPSERT = "upsert"  # create or update by key
    UPDATE = "update"  # only records that exist at the destination
    CREATE = "create"  # only records that do not exist yet
    MIRROR = "mirror"  # upsert, and delete what the hub created that left the source


class Outcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"
    FILTERED = "filtered"
    INVALID = "invalid"
    FAILED = "failed"


@dataclass(frozen=True)
class WriteResult:
    """The fate of one record of a batch, in batch order."""

    outcome: Outcome
    error: str | None = None
    external_id: str | None = None
    created: bool = False
    retryable: bool = False

    @classmethod
    def ok(cls, external_id: str | None = None, *, created: bool = False) -> WriteResult:
        return cls(Outcome.WRITTEN, external_id=external_id, created=created)

    @classmethod
    def failed(cls, error: str, *, retryable: bool = False) -> WriteResult:
        return cls(Outcome.FAILED, error=error, retryable=retryable)

    @classmethod
    def skipped(cls, reason: str) -> WriteResult:
        """Not written because the mode excludes it (update of a missing record …)."""
        return cls(Outcome.FILTERED, error=reason)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class Options(BaseModel):
    """Per-pipeline options of a stream or sink; unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Stream(ABC):
    """A source of records, read incrementally in (cursor, primary key) order.

    `read(after)` yields pages of records strictly after the checkpoint `after` (as made by
    `checkpoint`), ordered by cursor then primary key, so that resuming never loses a
    record that shares its cursor value with the last one read, nor repeats one.
    """

    name: str
    primary_key: tuple[str, ...]
    cursor_field: str | None = None

    @abstractmethod
    def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        """Pages of records after the checkpoint (all records when `after` is None)."""

    def checkpoint(self, record: Record) -> dict[str, Any]:
        """A JSON-safe position just at `record`; `read(after=…)` resumes strictly after it."""
        return {
            "cursor": None if self.cursor_field is None else record.get(self.cursor_field),
            "key": [record.get(k) for k in self.primary_key],
        }

    async def verify(self) -> None:  # noqa: B027  (an optional hook: by default, no check)
        """Check against the live system that what the options name exists.

        Optional; the default checks nothing. `hub sync` calls it before a run starts, and
        `hub config check --connect` and `hub check` for every pipeline. Raise `ConfigError`
        for something that does not exist (a table, a column), with one `Problem` per fault
        whose `file` is empty and whose `field` is the option at fault (`cursor`,
        `primary_key[1]`), so the hub can point at it in hub.yaml; raise `HubError` when the
        system cannot be asked at all (unreachable, login refused).
        """


class Sink(ABC):
    """A destination object. `write` returns one WriteResult per record, in order."""

    name: str
    batch_size: int = 100
    modes: ClassVar[frozenset[WriteMode]] = frozenset({WriteMode.UPSERT})

    @abstractmethod
    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        """Write one batch; a failure of one record must not fail the others."""

    async def delete(self, keys: Sequence[tuple[Any, ...]]) -> list[WriteResult]:
        """Delete records by key (mirror mode); sinks that cannot delete leave this alone."""
        raise NotImplementedError(f"{type(self).__name__} cannot delete records")

    async def verify(self) -> None:  # noqa: B027  (an optional hook: by default, no check)
        """Check against the live system that the object and its key exist (`Stream.verify`)."""


class Connector(ABC, Generic[S]):
    """A configured connection to one system. Subclass with `id` and `settings_model`."""

    id: ClassVar[str]
    settings_model: ClassVar[type[ConnectorSettings]] = ConnectorSettings
    description: ClassVar[str] = ""
    #: names a person may use as `stream:`/`object:`; "*" means any table or object name
    stream_names: ClassVar[Sequence[str]] = ()
    sink_names: ClassVar[Sequence[str]] = ()
    #: failing batches in a row (batches still refused with a transient error once the
    #: engine's retries are spent) that mean this system is down and stop the run; fewer are
    #: dead-lettered and the run goes on. 1 stops at the first and dead-letters none: the
    #: safe choice where a failure is nearly always an outage (a database). None never stops.
    #: A pipeline's `stop_after_failing_batches` overrides it; see hub.engine.breaker.
    stop_after_failing_batches: ClassVar[int | None] = 1

    def __init__(self, settings: S, *, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or self.id

    @property
    def tenant(self) -> str:
        return self.settings.tenant

    def stream(self, name: str, options: Mapping[str, Any] | None = None) -> Stream:
        raise NotImplementedError(f"connector {self.id!r} has no streams")

    def sink(self, name: str, options: Mapping[str, Any] | None = None) -> Sink:
        raise NotImplementedError(f"connector {self.id!r} has no sinks")

    @abstractmethod
    async def check(self) -> CheckResult:
        """Are the credentials accepted and the system reachable? Say what to do if not."""

    async def aclose(self) -> None:
        """Release clients and pools."""


class WebhookVerifier(ABC):
    """Verifies a vendor's signed callback on the raw body before anything else reads it."""

    @abstractmethod
    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Return when the signature is valid and fresh; raise AuthError otherwise."""
