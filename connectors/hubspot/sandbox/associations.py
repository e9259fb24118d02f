"""Associations between records, stored in both directions as HubSpot shows them.

Adding `contact → company` with type 279 also stores `company → contact` with its inverse type
280. A labelled type (Primary, 1) brings the pair's unlabelled default along, and a record keeps
a single primary: a new primary company replaces the old one.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from .schema import ASSOCIATION_TYPES, AssociationType, default_association_type

__all__ = ["AssociationStore", "labels"]

_Key = tuple[str, str]  # (object type, record id)


class AssociationStore:
    """Thread-safe, bidirectional association index."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._links: defaultdict[_Key, defaultdict[_Key, set[int]]] = defaultdict(
            lambda: defaultdict(set)
        )

    def add(
        self, from_type: str, from_id: str, to_type: str, to_id: str, association: AssociationType
    ) -> set[int]:
        """Associate two records with `association`; return the from→to type ids now held."""
        with self._lock:
            wanted = {association}
            default = default_association_type(from_type, to_type)
            if default is not None:
                wanted.add(default)
            for kind in wanted:
                if kind.label == "Primary":
                    self._drop_other_primaries(from_type, from_id, to_type, to_id, kind)
                self._links[(from_type, from_id)][(to_type, to_id)].add(kind.type_id)
                self._links[(to_type, to_id)][(from_type, from_id)].add(kind.inverse_id)
            return set(self._links[(from_type, from_id)][(to_type, to_id)])

    def remove(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Remove every association between two records, both directions."""
        with self._lock:
            self._links[(from_type, from_id)].pop((to_type, to_id), None)
            self._links[(to_type, to_id)].pop((from_type, from_id), None)

    def remove_record(self, object_type: str, record_id: str) -> None:
        """Forget every association of a record (used when it is archived)."""
        with self._lock:
            for other in list(self._links.pop((object_type, record_id), {})):
                self._links[other].pop((object_type, record_id), None)

    def of(self, from_type: str, from_id: str, to_type: str) -> list[tuple[str, list[int]]]:
        """`[(to id, sorted type ids)]` of one record towards one object type, in id order."""
        with self._lock:
            found = [
                (to_id, sorted(type_ids))
                for (other_type, to_id), type_ids in self._links.get(
                    (from_type, from_id), {}
                ).items()
                if other_type == to_type and type_ids
            ]
        return sorted(found, key=lambda item: int(item[0]))

    def _drop_other_primaries(
        self, from_type: str, from_id: str, to_type: str, to_id: str, primary: AssociationType
    ) -> None:
        for (other_type, other_id), type_ids in self._links[(from_type, from_id)].items():
            if other_type == to_type and other_id != to_id and primary.type_id in type_ids:
                type_ids.discard(primary.type_id)
                self._links[(to_type, other_id)][(from_type, from_id)].discard(primary.inverse_id)


def labels(type_ids: list[int]) -> list[str]:
    """Label names of a pair's types, as `LabelsBetweenObjectPair.labels` lists them."""
    return sorted({t.label for i in type_ids if (t := ASSOCIATION_TYPES.get(i)) and t.label})
