"""Incidents across reports: many unrelated Spaces with the same stuck picture at once.

A pure function over recent diagnosis records. One Space stuck in PAUSED is a Space problem;
the same picture on several Spaces of *distinct owners* within minutes is a platform problem,
and the advice changes from "fix your repo" to "wait and follow the status page".
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from diagnosis.model import Bucket, IncidentSignal

# Buckets whose mass occurrence points at the platform, grouped by the picture they show.
# Ordinary build/runtime failures are left out: several unrelated ones in 20 minutes are normal.
DEFAULT_PICTURES: dict[Bucket, str] = {
    Bucket.LIFECYCLE_STUCK: "stuck",
    Bucket.PLATFORM_INCIDENT: "stuck",
    Bucket.HARDWARE_SCHEDULING: "capacity",
}


@dataclass(frozen=True, slots=True)
class DiagnosisRecord:
    """One diagnosis as the store keeps it (no text: only what incident detection needs)."""

    space: str  # OWNER/NAME
    bucket: Bucket
    at: datetime
    guild_id: int | None = None

    @property
    def owner(self) -> str:
        return _owner_of(self.space)


def _owner_of(space: str) -> str:
    return space.split("/", 1)[0].lower()


@dataclass(frozen=True, slots=True)
class IncidentPolicy:
    window: timedelta = timedelta(minutes=20)
    min_other_owners: int = 3
    pictures: dict[Bucket, str] = field(default_factory=lambda: dict(DEFAULT_PICTURES))


def detect_incident(
    records: Iterable[DiagnosisRecord],
    *,
    space: str | None,
    bucket: Bucket,
    now: datetime,
    policy: IncidentPolicy | None = None,
) -> IncidentSignal | None:
    """An IncidentSignal when enough *other owners'* Spaces showed the same picture recently.

    The current Space's own owner never counts (one person's ten broken Spaces are an account
    problem, not an incident), nor does the same Space reported again.
    """
    policy = policy or IncidentPolicy()
    picture = policy.pictures.get(bucket)
    if picture is None:
        return None
    own_owner = _owner_of(space) if space else None
    since = now - policy.window
    spaces_by_owner: dict[str, set[str]] = {}
    for record in records:
        if not (since <= record.at <= now) or policy.pictures.get(record.bucket) != picture:
            continue
        if own_owner is not None and record.owner == own_owner:
            continue
        spaces_by_owner.setdefault(record.owner, set()).add(record.space.lower())
    if len(spaces_by_owner) < policy.min_other_owners:
        return None
    similar = sum(len(spaces) for spaces in spaces_by_owner.values())
    return IncidentSignal(
        similar_spaces=similar,
        window_minutes=int(policy.window.total_seconds() // 60),
        bucket=bucket,
    )
