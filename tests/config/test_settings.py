import os
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.test import override_settings

import config.settings as project_settings

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        SECRET_KEY="k" * 20 + "-production-secret-that-is-long-and-random-0123456789",
        ALLOWED_HOSTS="vigie.example.com",
        CREDENTIALS_KEYS="ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMhISE=",
        **extra,
    )
    return env


def test_check_deploy_is_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_sqlite_is_refused():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=_production_env(DATABASE_URL="sqlite:///x.db"),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_passwords_are_hashed_with_argon2():
    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        assert make_password("s3cret-passphrase").startswith("argon2")


def test_production_cookies_are_secure():
    env = _production_env()
    code = "import config.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True", "True", "False"], result.stderr


def test_logins_and_sessions_do_not_depend_on_redis():
    """Redis down must not log anyone out or lock the login page: both live in PostgreSQL, and the
    cache (the only Redis-backed store a request reads) answers a miss instead of failing."""
    assert project_settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert project_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert project_settings.CACHES["default"]["BACKEND"] == "config.resilience.ResilientRedisCache"
