import pytest
from django.db import transaction

from accounts import live


@pytest.mark.django_db(transaction=True)
def test_broadcast_waits_for_commit_and_is_dropped_on_rollback(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: sent.append(kwargs))
    with transaction.atomic():
        live.broadcast_on_commit(organization_id=1, topic="inbox", event={"type": "x"})
        assert sent == []
    assert sent == [{"organization_id": 1, "topic": "inbox", "event": {"type": "x"}}]

    sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        live.broadcast_on_commit(organization_id=1, topic="inbox", event={"type": "y"})
        raise RuntimeError("rolled back")
    assert sent == []


def test_events_need_a_type():
    with pytest.raises(ValueError):
        live.broadcast_now(organization_id=1, topic="inbox", event={"count": 1})


def test_group_names():
    assert live.organization_group(42, "inbox") == "org.42.inbox"


def test_several_events_go_in_one_trip_and_each_needs_a_type():
    with pytest.raises(ValueError):
        live.broadcast_many_now([(1, "inbox", {"type": "x"}), (1, "inbox", {"count": 1})])
    live.broadcast_many_now([])  # nothing to send is not an error
