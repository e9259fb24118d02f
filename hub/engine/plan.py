"""A pipeline made ready to run: its stream, sink, compiled mapping and validator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, PlainSerializer, ValidationError, WrapSerializer

from hub.config import LoadedConfig, Pipeline, YamlDocument
from hub.config.verify import verify_endpoints
from hub.connector import Connector, Record, Sink, Stream, WriteMode
from hub.errors import ConfigError, RecordError, TenantMismatchError
from hub.mapping import Mapping, load_mapping
from hub.model import CANONICAL_MODELS, HubModel, canonical_fields


@dataclass
class Plan:
    name: str
    pipeline: Pipeline
    source: Connector[Any]
    stream: Stream
    destination: Connector[Any]
    sink: Sink
    mapping: Mapping | None
    model: type[HubModel] | None
    doc: YamlDocument | None = None  # the hub.yaml it came from, to locate refusals

    def __post_init__(self) -> None:
        # decided once per pipeline, not once per record: the record path reads these
        model = self.model
        self._stamps_tenant = model is not None and "tenant" in model.model_fields
        # nested models (consents …) must be dumped to plain data; flat payloads need not be,
        # unless the model customises how it dumps (then every payload takes `model_dump`)
        self._nested: frozenset[str] = frozenset()
        if model is not None:
            plain_dump = _dumps_as_stored(model)
            self._nested = frozenset(name for name, info in model.model_fields.items()
                                     if _holds_model(info.annotation) or not plain_dump)

    @property
    def mode(self) -> WriteMode:
        return self.pipeline.destination.mode

    @property
    def destination_id(self) -> str:
        return f"{self.pipeline.destination.connection}.{self.pipeline.destination.object}"

    @property
    def tenant(self) -> str:
        return self.destination.tenant

    def transform(self, record: Record) -> tuple[dict[str, Any], tuple[Any, ...]]:
        """Map and validate one record: its payload and destination key, or RecordError."""
        payload = self.mapping.apply(record) if self.mapping else dict(record)
        tenant = self.tenant
        if self.model is not None:
            if self._stamps_tenant:
                # every canonical record carries its tenant: the destination connection's
                payload.setdefault("tenant", tenant)
            payload = self._validated(payload)
        found = payload.get("tenant")
        if found is not None and found != tenant:
            raise TenantMismatchError(f"record of tenant {found!r} cannot be written with "
                                      f"connection {self.pipeline.destination.connection!r} "
                                      f"(tenant {tenant!r})")
        if self.mapping:
            key = self.mapping.key_of(payload)
        else:
            key = tuple(payload.get(k) for k in self.stream.primary_key)
        return payload, key

    def _validated(self, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.model is not None
        try:
            model = self.model.model_validate(payload)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'record'}: "
                f"{str(e['msg']).removeprefix('Value error, ')}"
                for e in exc.errors(include_url=False))
            raise RecordError(f"invalid {self.model.__name__}: {reasons}") from None
        # keep only what the mapping set, in its normalised form (emails lowered, phones E.164)
        given = model.model_fields_set
        if given.isdisjoint(self._nested):
            # flat values are already plain data: read them off the model in field order
            # instead of paying for a full dump of every record
            return {name: value for name, value in model.__dict__.items() if name in given}
        return model.model_dump(exclude_unset=True)

    async def verify(self) -> None:
        """Refuse, before a run is recorded, a pipeline whose tables or columns (whatever its
        stream and sink name) do not exist in the live systems."""
        doc = self.doc or YamlDocument("hub.yaml", {})
        found = await verify_endpoints(doc, self.name, self.pipeline, self.stream, self.sink)
        found.raise_for(f"pipeline {self.name!r}")

    async def aclose(self) -> None:
        await self.source.aclose()
        if self.destination is not self.source:
            await self.destination.aclose()


def _holds_model(annotation: Any) -> bool:
    """Whether a field's type is, or contains, a pydantic model."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in get_args(annotation))


def _dumps_as_stored(model: type[BaseModel]) -> bool:
    """Whether `model_dump` gives back each field's stored value unchanged."""
    decorators = model.__pydantic_decorators__
    custom = any(isinstance(m, PlainSerializer | WrapSerializer)
                 for info in model.model_fields.values() for m in info.metadata)
    return not (decorators.field_serializers or decorators.model_serializers
                or model.model_computed_fields or custom)


def build_plan(loaded: LoadedConfig, name: str) -> Plan:
    try:
        pipeline = loaded.config.pipelines[name]
    except KeyError:
        known = ", ".join(sorted(loaded.config.pipelines)) or "none"
        raise ConfigError(f"no pipeline named {name!r} (defined: {known})") from None
    mapping = pipeline_mapping(loaded, pipeline)  # a bad mapping stops here, nothing opened
    model = None
    if mapping is not None and mapping.target.startswith("canonical."):
        model = CANONICAL_MODELS[mapping.target.removeprefix("canonical.")]
    source = loaded.connector(pipeline.source.connection)
    destination = loaded.connector(pipeline.destination.connection)
    stream = source.stream(pipeline.source.stream, pipeline.source.options)
    sink = destination.sink(pipeline.destination.object, pipeline.destination.options)
    return Plan(name, pipeline, source, stream, destination, sink, mapping, model, loaded.doc)


def pipeline_mapping(loaded: LoadedConfig, pipeline: Pipeline) -> Mapping | None:
    """The pipeline's mapping, loaded and compiled; `MappingError` lists every problem."""
    if not pipeline.mapping:
        return None
    return load_mapping(loaded.resolve(pipeline.mapping), transforms=loaded.host.transforms,
                        target_fields=canonical_fields)
