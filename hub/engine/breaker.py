"""What a run does when the destination keeps failing a batch after every retry.

A *failing batch* is one whose write still raises TransientError (a 5xx, a timeout, a dropped
connection, a 429 without a long wait) once the engine's RetryPolicy is spent. There are two
answers, and each connector chooses between them with `Connector.stop_after_failing_batches`
(a pipeline's `stop_after_failing_batches:` in hub.yaml overrides it):

- **dead-letter the batch**: one failing batch among good ones is that batch's problem (a
  record the vendor chokes on, one bad shard): its records go to the dead-letter queue as
  `failed`, the reason being the last error and the attempts made, and the run goes on, so a
  single batch never holds back every other record. `hub dlq replay` sends them again.
- **circuit breaker**: failing batches in a row mean the vendor is down, and dead-lettering
  everything would only fill the queue. After `stop_after_failing_batches` of them the breaker
  trips: VendorUnavailableError stops the run (status `failed`, error "vendor … is
  unavailable: …") and cancels the batches still in flight. Pages committed before stay
  committed; the page being written is not, so the checkpoint stays before its records and
  the next run starts there. Letters of the failing batches before the trip (committed with
  their pages) wait in the queue for `hub dlq replay`.

1 is the plain breaker (stop at the first failing batch, dead-letter nothing): the default,
safe where a failure is nearly always an outage, as with a database. None ("never") is the
plain dead-letter policy. A count in between does both; HubSpot declares 3.

"In a row" is in the order batches finish, over the whole run: any batch the vendor answers
(written, or refused record by record) resets the count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hub.engine.plan import Plan
from hub.errors import PermanentError, TransientError

log = logging.getLogger(__name__)


class VendorUnavailableError(PermanentError):
    """Failing batches in a row: the destination is taken to be down and the run stops."""


def stop_after(plan: Plan) -> int | None:
    """The pipeline's `stop_after_failing_batches`, else its destination connector's."""
    chosen = plan.pipeline.stop_after_failing_batches
    if chosen is None:
        return plan.destination.stop_after_failing_batches
    return None if chosen == "never" else chosen


@dataclass
class Breaker:
    """Counts failing batches in a row for one run of a pipeline; trips at `limit`."""

    plan: Plan
    limit: int | None
    in_a_row: int = 0

    @classmethod
    def for_plan(cls, plan: Plan) -> Breaker:
        return cls(plan, stop_after(plan))

    @property
    def vendor(self) -> str:
        connection = self.plan.pipeline.destination.connection
        return f"{self.plan.destination.id} (connection {connection!r})"

    def answered(self) -> None:
        """The vendor answered a batch: whatever failed before was not an outage."""
        self.in_a_row = 0

    def failing(self, error: TransientError, attempts: int) -> str:
        """Count one failing batch. Returns the reason to dead-letter its records with, or
        raises VendorUnavailableError when this batch trips the breaker."""
        self.in_a_row += 1
        tried = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if self.limit is not None and self.in_a_row >= self.limit:
            in_a_row, self.in_a_row = self.in_a_row, 0
            batches = "a batch" if in_a_row == 1 else f"{in_a_row} batches in a row"
            raise VendorUnavailableError(
                f"vendor {self.vendor} is unavailable: {batches} still failed {tried}: "
                f"{error}. Pages before are committed; run the pipeline again once it is back"
            ) from error
        log.warning("%s: a batch still failed %s; its records are dead-lettered (%d in a row, "
                    "%s stop the run): %s", self.plan.name, tried, self.in_a_row,
                    self.limit or "never", error)
        return f"{error} ({tried})"
