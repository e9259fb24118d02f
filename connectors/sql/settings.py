"""Settings and per-pipeline options of the sql connector."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from connectors.sql.database import absolute_sqlite
from hub.connector import ConnectorSettings, Options


class SqlSettings(ConnectorSettings):
    url: SecretStr = Field(description="SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db")
    tenant_column: str | None = Field(
        default=None, description="column holding each row's tenant: the sink fills it with the "
        "connection's tenant and refuses rows of another tenant")
    busy_timeout: float = Field(
        default=30.0, gt=0, le=3600, description="SQLite: seconds to wait for a lock another "
        "process holds on the database before the run stops with an error")

    @field_validator("url")
    @classmethod
    def _is_url(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        try:
            sa.make_url(value.get_secret_value())
        except sa.exc.ArgumentError:
            raise ValueError("not a SQLAlchemy URL (expected dialect+driver://…)") from None
        base = (info.context or {}).get("base_dir")
        if base:  # a relative SQLite file lives beside hub.yaml, wherever the hub starts from
            return SecretStr(absolute_sqlite(value.get_secret_value(), Path(base)))
        return value


class TableStreamOptions(Options):
    table: str | None = Field(default=None, description="table to read (or give `query`)")
    query: str | None = Field(default=None, description="a SELECT to read instead of a table")
    cursor: str | None = Field(default=None, description="column that grows on every change")
    null_cursor: Literal["always", "refuse"] = Field(
        default="always", description="rows whose cursor is NULL: `always` read them on every "
        "run (the diff skips unchanged ones); `refuse` stop the run while there are any")
    primary_key: list[str] = Field(min_length=1)
    page_size: int = Field(default=1000, gt=0, le=100_000)

    @model_validator(mode="after")
    def _one_source(self) -> TableStreamOptions:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` or `query`")
        return self


class TableSinkOptions(Options):
    key: list[str] = Field(min_length=1, description="columns that identify a row")
    batch_size: int = Field(default=500, gt=0, le=10_000)
    create: bool = Field(default=False, description="create the table from the first batch")
