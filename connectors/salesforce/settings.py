"""Settings of a Salesforce connection and the options of its streams and sinks.

A connection signs in with one of a connected app's OAuth flows, chosen by which credentials
are given: a refresh token; a JWT bearer assertion signed with the app's private key; the
client-credentials flow (client id and secret alone); or a username and password (+ security
token). `access_token` takes a session id as it is, with no way to renew it. `login_url` is
login.salesforce.com, test.salesforce.com for a sandbox org, a My Domain, or the local sandbox.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator

from hub.connector import ConnectorSettings, Options

__all__ = ["DEFAULT_EXTERNAL_ID", "AuthFlow", "SalesforceSettings", "StreamOptions",
           "UpsertSinkOptions"]

AuthFlow = Literal["refresh_token", "jwt_bearer", "client_credentials", "password",
                   "access_token"]

#: the external-id field seed 003 gives every object the hub writes
DEFAULT_EXTERNAL_ID = "Marketing_Platform_ID__c"


class SalesforceSettings(ConnectorSettings):
    """One Salesforce org, reached through a connected app."""

    login_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://login.salesforce.com"),
        description="where sessions are issued: login.salesforce.com, test.salesforce.com "
        "(sandbox orgs), a My Domain (needed by client credentials), or a local sandbox")
    instance_url: AnyHttpUrl | None = Field(
        default=None, description="the org's URL (https://acme.my.salesforce.com); by default "
        "the one the token endpoint names")
    api_version: str = Field(default="59.0", pattern=r"^\d{2,3}\.\d$",
                             description="REST API version (46.0 or later for Collections upsert)")
    client_id: str | None = Field(default=None, description="the connected app's consumer key")
    client_secret: SecretStr | None = Field(
        default=None, description="the connected app's consumer secret")
    refresh_token: SecretStr | None = Field(default=None, description="OAuth refresh token")
    username: str | None = Field(default=None,
                                 description="integration user (password and JWT flows)")
    password: SecretStr | None = Field(default=None, description="its password")
    security_token: SecretStr | None = Field(
        default=None, description="its security token, appended to the password")
    private_key: SecretStr | None = Field(
        default=None, description="PEM private key whose certificate the app holds (JWT flow)")
    access_token: SecretStr | None = Field(
        default=None, description="a session id used as it is (cannot be renewed)")
    concurrency: int = Field(default=4, ge=1, le=25,
                             description="Salesforce calls in flight at once")
    api_reserve: float = Field(
        default=0.10, ge=0.0, lt=1.0,
        description="share of the org's daily API allocation left for others: a run stops "
        "with its checkpoint rather than spend it")
    quota_pause_minutes: int = Field(
        default=60, ge=1, description="how long a run stopped by the daily allocation waits "
        "before it resumes (the allocation is a rolling 24 hours)")
    timeout: float = Field(default=60.0, gt=0, description="seconds one call may take")

    @model_validator(mode="after")
    def _one_flow(self) -> SalesforceSettings:
        if self.flow == "access_token" and self.instance_url is None:
            raise ValueError("an `access_token` needs the org's `instance_url`")
        return self

    @property
    def flow(self) -> AuthFlow:
        """The OAuth flow the given credentials make."""
        if self.access_token is not None:
            return "access_token"
        if self.client_id and self.refresh_token is not None:
            return "refresh_token"
        if self.client_id and self.private_key is not None and self.username:
            return "jwt_bearer"
        if self.client_id and self.client_secret is not None and self.username and \
                self.password is not None:
            return "password"
        if self.client_id and self.client_secret is not None and not self.username:
            return "client_credentials"
        raise ValueError(
            "give one way to sign in: `client_id` + `refresh_token`; `client_id` + "
            "`username` + `private_key` (JWT bearer); `client_id` + `client_secret` + "
            "`username` + `password` (+ `security_token`); `client_id` + `client_secret` "
            "alone (client credentials); or an `access_token`")

    @property
    def can_renew(self) -> bool:
        return self.flow != "access_token"


class UpsertSinkOptions(Options):
    """Records upserted by an external-id field through sObject Collections."""

    external_id_field: str = Field(
        default=DEFAULT_EXTERNAL_ID, description="the external-id field records are matched by")
    batch_size: int = Field(default=200, ge=1, le=200,
                            description="records per Collections call (Salesforce: at most 200)")
    bulk_threshold: int | None = Field(
        default=10_000, ge=1, description="a write of at least this many records goes as one "
        "Bulk API 2.0 job; null: never")
    bulk_batch_size: int = Field(
        default=100_000, ge=1, le=1_000_000,
        description="the most records the engine hands one write when Bulk is on")
    fields: list[str] | None = Field(
        default=None, description="the fields this pipeline writes (its mapping's targets): "
        "`hub check` refuses any the object lacks or cannot write")


class StreamOptions(Options):
    """An object read incrementally by SystemModstamp through SOQL."""

    fields: list[str] | None = Field(
        default=None, description="fields to read (default: the object's usual ones)")
    include_deleted: bool = Field(
        default=False, description="read deleted records too (queryAll), with IsDeleted")
    page_size: int = Field(default=2000, ge=200, le=2000,
                           description="records per page (Sforce-Query-Options batchSize)")
    where: str | None = Field(
        default=None, description="an extra SOQL condition, e.g. `IsWon = true`")
