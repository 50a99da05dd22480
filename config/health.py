"""GET /healthz: is each part that a community manager depends on answering?"""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

WORKER_PING_TIMEOUT_S = 2.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised: this is the health page
        return f"down: {error.__class__.__name__}"


def _redis() -> str:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"down: {error.__class__.__name__}"


def _worker() -> str:
    try:
        replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT_S)
    except Exception as error:  # noqa: BLE001
        return f"down: {error.__class__.__name__}"
    return "ok" if replies else "down: no worker answered within 2 s"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "redis": _redis()}
    checks["worker"] = _worker() if checks["redis"] == "ok" else "down: redis unavailable"
    status = 200 if all(value == "ok" for value in checks.values()) else 503
    return JsonResponse(checks, status=status)
