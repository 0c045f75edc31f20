"""Incident detection over synthetic timelines."""
from datetime import UTC, datetime, timedelta

import pytest

from diagnosis.incidents import DiagnosisRecord, IncidentPolicy, detect_incident
from diagnosis.model import Bucket

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def burst(owners, bucket=Bucket.LIFECYCLE_STUCK, minutes_ago=5, per_owner=1):
    return [
        DiagnosisRecord(f"{o}/space{i}", bucket, NOW - timedelta(minutes=minutes_ago))
        for o in owners
        for i in range(per_owner)
    ]


def test_burst_of_distinct_owners_is_an_incident():
    signal = detect_incident(burst(["a", "b", "c", "d", "e"]), space="z/mine", bucket=Bucket.LIFECYCLE_STUCK, now=NOW)
    assert signal is not None
    assert signal.similar_spaces == 5
    assert signal.window_minutes == 20
    assert signal.bucket is Bucket.LIFECYCLE_STUCK


def test_one_owner_with_many_spaces_is_not_an_incident():
    records = burst(["a"], per_owner=10)
    assert detect_incident(records, space="z/mine", bucket=Bucket.LIFECYCLE_STUCK, now=NOW) is None


def test_own_owner_does_not_count():
    records = burst(["z", "a", "b"])
    assert detect_incident(records, space="z/mine", bucket=Bucket.LIFECYCLE_STUCK, now=NOW) is None
    assert detect_incident(records + burst(["c"]), space="z/mine", bucket=Bucket.LIFECYCLE_STUCK, now=NOW)


def test_old_records_fall_out_of_the_window():
    records = burst(["a", "b"]) + burst(["c"], minutes_ago=45)
    assert detect_incident(records, space="z/mine", bucket=Bucket.LIFECYCLE_STUCK, now=NOW) is None


def test_platform_incident_and_lifecycle_share_a_picture():
    records = burst(["a"], Bucket.PLATFORM_INCIDENT) + burst(["b", "c"])
    assert detect_incident(records, space="z/mine", bucket=Bucket.PLATFORM_INCIDENT, now=NOW)


def test_different_picture_does_not_count():
    records = burst(["a", "b", "c"], Bucket.HARDWARE_SCHEDULING)
    assert detect_incident(records, space="z/mine", bucket=Bucket.LIFECYCLE_STUCK, now=NOW) is None
    assert detect_incident(records, space="z/mine", bucket=Bucket.HARDWARE_SCHEDULING, now=NOW)


@pytest.mark.parametrize("bucket", [Bucket.BUILD_FAILURE, Bucket.RUNTIME_CRASH, Bucket.NEEDS_INFO])
def test_ordinary_failures_never_make_an_incident(bucket):
    records = burst([f"o{i}" for i in range(20)], bucket)
    assert detect_incident(records, space="z/mine", bucket=bucket, now=NOW) is None


def test_thresholds_are_configurable():
    policy = IncidentPolicy(window=timedelta(minutes=60), min_other_owners=2)
    records = burst(["a"]) + burst(["b"], minutes_ago=50)
    signal = detect_incident(records, space=None, bucket=Bucket.LIFECYCLE_STUCK, now=NOW, policy=policy)
    assert signal is not None and signal.window_minutes == 60 and signal.similar_spaces == 2


def test_future_records_are_ignored():
    records = burst(["a", "b", "c"], minutes_ago=-5)
    assert detect_incident(records, space=None, bucket=Bucket.LIFECYCLE_STUCK, now=NOW) is None
