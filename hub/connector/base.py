"""What a connector author subclasses: Connector, Stream (a source) and Sink (a destination).

A connector is a factory of streams and sinks configured per pipeline. The engine does the
rest: paging is the stream's job, but retries, rate limits, mapping, validation, dedup, diff,
batching, dead letters and checkpoints are the engine's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict

from hub.connector.settings import ConnectorSettings
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.connector.inbound import FieldChange
    from hub.connector.messaging import DeliveryEvent, MessageSender, OptOut

Record = dict[str, Any]
S = TypeVar("S", bound=ConnectorSettings)
T = TypeVar("T")


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

    Attributes the engine reads:

    - `name`: the stream's name, as a pipeline's `source.stream` names it.
    - `primary_key`: the fields that identify a record at the source (dead letters and
      checkpoints name records by them).
    - `cursor_field`: the field that grows when a record changes (an update time, a sequence
      number), or None for a stream that is read whole each run.

    `read(after)` yields pages (lists) of records strictly after the checkpoint `after`,
    ordered by cursor then primary key, so that resuming never loses a record that shares its
    cursor value with the last one read, nor repeats one. `after` is None on a first or full
    read, else a checkpoint this stream's `checkpoint` made, given back exactly (dates and
    decimals included): by default `{"cursor": <cursor value>, "key": [<primary key values>]}`
    of the last record of a committed page. A stream does not retry: the engine retries a
    failed page by reading again after the last page it got.
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
    """A destination object. `write` returns one WriteResult per record, in order.

    - `name`: the object's name, as a pipeline's `destination.object` names it.
    - `batch_size`: the most records the engine hands `write` at once (the vendor's batch
      limit); a few batches are written concurrently.
    - `modes`: the WriteModes this sink supports; a pipeline asking another is refused.

    A sink does not retry: the engine retries a whole `write` that raised TransientError, and
    records whose WriteResult is `retryable`; RecordError for the whole batch makes the engine
    split it until the bad records stand alone.
    """

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


# How a connector declares its streams and sinks: name → (class, options model). The class is
# called with (connector, name, validated options); the kit's RestStream and BatchSink take
# exactly that. The name "*" stands for any name (a table, an object type).
StreamFactory = Callable[[Any, str, Any], Stream]
SinkFactory = Callable[[Any, str, Any], Sink]


class Connector(ABC, Generic[S]):
    """A configured connection to one system. Subclass with `id` and `settings_model`.

    `self.settings` is the connection's settings from hub.yaml, validated by `settings_model`
    (secrets are SecretStr: `.get_secret_value()` reads one). `self.name` is the connection's
    name. Declare `streams` and `sinks` and the base builds them, refusing unknown names (a
    ConfigError listing the known ones) and unknown or bad options (the options model's
    ValidationError, which `hub config check` points at in hub.yaml).
    """

    id: ClassVar[str]
    settings_model: ClassVar[type[ConnectorSettings]] = ConnectorSettings
    description: ClassVar[str] = ""
    #: name → (Stream class, Options model), e.g. {"people": (PeopleStream, PeopleOptions)}
    streams: ClassVar[Mapping[str, tuple[StreamFactory, type[Options]]]] = {}
    sinks: ClassVar[Mapping[str, tuple[SinkFactory, type[Options]]]] = {}
    #: names a person may use as `stream:`/`object:`; "*" means any table or object name.
    #: Filled from `streams`/`sinks` when those are declared.
    stream_names: ClassVar[Sequence[str]] = ()
    sink_names: ClassVar[Sequence[str]] = ()
    #: verifies the vendor's signed webhooks; `webhook_verifier()` builds it from the settings
    webhook_verifier_class: ClassVar[type[WebhookVerifier] | None] = None
    #: the module of the vendor's local emulator (`hub sandbox`), e.g. "connectors.acme.sandbox"
    sandbox: ClassVar[str | None] = None
    #: failing batches in a row (batches still refused with a transient error once the
    #: engine's retries are spent) that mean this system is down and stop the run; fewer are
    #: dead-lettered and the run goes on. 1 stops at the first and dead-letters none: the
    #: safe choice where a failure is nearly always an outage (a database). None never stops.
    #: A pipeline's `stop_after_failing_batches` overrides it; see hub.engine.breaker.
    stop_after_failing_batches: ClassVar[int | None] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "streams" in cls.__dict__ and "stream_names" not in cls.__dict__:
            cls.stream_names = tuple(cls.streams)
        if "sinks" in cls.__dict__ and "sink_names" not in cls.__dict__:
            cls.sink_names = tuple(cls.sinks)

    def __init__(self, settings: S, *, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or self.id

    @property
    def tenant(self) -> str:
        return self.settings.tenant

    def stream(self, name: str, options: Mapping[str, Any] | None = None) -> Stream:
        """The declared stream `name`, with its options validated."""
        make, model = self._endpoint("stream", self.streams, name)
        return make(self, name, model.model_validate(dict(options or {})))

    def sink(self, name: str, options: Mapping[str, Any] | None = None) -> Sink:
        """The declared sink `name`, with its options validated."""
        make, model = self._endpoint("sink", self.sinks, name)
        return make(self, name, model.model_validate(dict(options or {})))

    def _endpoint(self, kind: str, declared: Mapping[str, T], name: str) -> T:
        found = declared.get(name, declared.get("*"))
        if found is None:
            known = ", ".join(declared) or "none"
            raise ConfigError(f"connector {self.id!r} has no {kind} {name!r} "
                              f"({kind}s: {known})")
        return found

    def sender(self) -> MessageSender:
        """The sender of a channel provider (an email or SMS vendor); ConfigError otherwise."""
        raise ConfigError(f"connector {self.id!r} sends no messages")

    def parse_callback(self, payload: Any) -> list[DeliveryEvent | OptOut]:
        """A verified delivery callback (JSON-decoded, or a form's fields) → what it reports.

        A channel provider overrides it; raise `WebhookPayloadError` for a malformed one."""
        raise ConfigError(f"connector {self.id!r} receives no delivery callbacks")

    def parse_webhook(self, payload: Any) -> list[FieldChange]:
        """A verified, JSON-decoded webhook delivery → the field changes it reports, for the
        core's inbound path (hub.engine.inbound). A connector whose vendor sends change
        events overrides it; raise `WebhookPayloadError` for what the vendor never sends."""
        raise ConfigError(f"connector {self.id!r} receives no webhooks")

    def webhook_verifier(self) -> WebhookVerifier:
        """The verifier of this connection's webhooks (ConfigError when it receives none)."""
        if self.webhook_verifier_class is None:
            raise ConfigError(f"connector {self.id!r} receives no webhooks")
        return self.webhook_verifier_class.from_settings(self.settings)

    @abstractmethod
    async def check(self) -> CheckResult:
        """Are the credentials accepted and the system reachable? Say what to do if not."""

    async def aclose(self) -> None:
        """Release clients and pools."""


class WebhookVerifier(ABC):
    """Verifies a vendor's signed callback on the raw body before anything else reads it."""

    #: the HTTP status a refused signature is answered with, as the vendor documents it
    #: (Svix: 401; Twilio: 403)
    refused_status: ClassVar[int] = 401

    @classmethod
    def from_settings(cls, settings: Any) -> Self:
        """The verifier for a connection (its signing secret is in the settings); raise
        ConfigError when the settings lack what it needs."""
        raise NotImplementedError(f"{cls.__name__} cannot be built from a connection's settings")

    @abstractmethod
    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        """Return when the signature is valid and fresh; raise AuthError otherwise."""
