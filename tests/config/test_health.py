import pytest
from django.urls import reverse

from config import health


@pytest.mark.django_db
def test_healthz_reports_each_part(client, monkeypatch):
    monkeypatch.setattr(health.celery_app.control, "ping", lambda timeout: [{"worker@host": {"ok": "pong"}}])
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "worker": "ok"}


@pytest.mark.django_db
def test_healthz_names_what_is_down(client, monkeypatch):
    monkeypatch.setattr(health.celery_app.control, "ping", lambda timeout: [])
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["worker"].startswith("down")


@pytest.mark.django_db
def test_healthz_with_redis_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["redis"].startswith("down")


@pytest.mark.django_db(transaction=True)
def test_worker_check_round_trips_through_a_real_worker(client):
    """A real Celery worker on the real broker answers the ping."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        response = client.get(reverse("healthz"))
    assert response.json()["worker"] == "ok"
