"""One error tree for the whole hub. Each branch tells the engine what to do.

    HubError
     ├── ConfigError ............ bad input from a person: stop before anything runs
     │    ├── MappingError ...... a mapping file is wrong
     │    └── SecretError ....... a ${ENV} or ${file:} reference cannot be resolved
     ├── PluginError ............ a plugin cannot be loaded or registers something invalid
     ├── TransientError ......... retry: the same call may succeed later
     │    └── RateLimitedError .. retry after `retry_after` seconds
     ├── PermanentError ......... fail the run: retrying cannot help
     │    ├── AuthError ......... credentials refused; the message says what to do
     │    ├── QuotaExhaustedError a quota is spent; the run stops and resumes at `resume_at`
     │    └── TenantMismatchError a record would cross tenants
     ├── RecordError ............ this record alone is bad: dead-letter it, the run goes on
     └── DomainRuleError ........ a business rule refused a command (campaign rules, transitions)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a file a person wrote: `file:line:col: field: message`."""

    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class ConfigError(HubError):
    """Bad configuration; carries every problem found, each with file, line and field."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.problems = tuple(problems)
        detail = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{message}\n{detail}" if detail else message)


class MappingError(ConfigError):
    """A mapping file is malformed or refers to something unknown."""


class SecretError(ConfigError):
    """A secret reference could not be resolved."""


class PluginError(HubError):
    """A plugin failed to load or registered something invalid."""


class TransientError(HubError):
    """A failure that may go away: the call is retried."""


class RateLimitedError(TransientError):
    """The vendor asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(HubError):
    """A failure retrying cannot fix: the run stops, its checkpoint intact."""


class AuthError(PermanentError):
    """Credentials were refused."""


class QuotaExhaustedError(PermanentError):
    """A quota (a daily limit) is spent; the run stops cleanly and can resume later."""

    def __init__(self, message: str, resume_at: datetime | None = None) -> None:
        super().__init__(message)
        self.resume_at = resume_at


class TenantMismatchError(PermanentError):
    """A record of one tenant was about to be written with another tenant's connection."""


class RecordError(HubError):
    """One record is bad; it goes to the dead-letter queue and the run goes on."""


class DomainRuleError(HubError):
    """A business rule refused a command; `rule` names it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
