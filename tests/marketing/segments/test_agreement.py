"""The SQL evaluator returns exactly the reference (Python) evaluator's members, on random
shops and random segment trees, on SQLite and on PostgreSQL: 50 examples each in the suite,
300 under HUB_SOAK=1."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings

from hub.marketing.common import prepare_connection
from hub.marketing.segments.compiler import SqlCompiler
from hub.marketing.segments.dataset import Dataset, read_dataset, write_dataset
from hub.marketing.segments.definitions import load_segment_file
from hub.marketing.segments.evaluate import PythonEvaluator
from hub.store import StateStore
from tests.marketing.segments.strategies import NOW, datasets, segment_files
from tests.soak import soak


def _stored(store: StateStore, data: Dataset) -> str:
    """Write the shop under a fresh tenant (examples share one database)."""
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    for event in data.engagement_events:  # the provider's ids are unique across tenants
        event["provider_event_id"] = f"{tenant}-{event['provider_event_id']}"
    with store.transaction() as tx:
        write_dataset(tx.conn, tenant, data)
    return tenant


@settings(max_examples=soak(50, 300), deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=datasets(), text=segment_files())
def test_sql_members_equal_python_members(store: StateStore, data: Dataset, text: str) -> None:
    segments = load_segment_file("random.yaml", text)
    tenant = _stored(store, data)
    reference = PythonEvaluator(data, segments, now=NOW)
    compiler = SqlCompiler(segments, tenant=tenant, now=NOW)
    with store.engine.connect() as conn:
        prepare_connection(conn)
        for definition in segments:
            found = set(conn.execute(compiler.members_query(definition.name)).scalars())
            expected = reference.members(definition.name)
            assert found == expected, f"{definition.name} differs:\n{text}"


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=datasets())
def test_the_dataset_reads_back_as_written(store: StateStore, data: Dataset) -> None:
    tenant = _stored(store, data)
    with store.engine.connect() as conn:
        back = read_dataset(conn, tenant)
    for name, rows in data.tables():
        assert len(getattr(back, name)) == len(rows), name
