"""The services never import the tasks module: tasks import services, so the other way is a circle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import inbox.services

SERVICES_DIR = Path(inbox.services.__file__).parent
CHECK = """
import importlib, sys, django
django.setup()
for module in sys.argv[1:]:
    importlib.import_module(module)
    if "inbox.tasks" in sys.modules:
        sys.exit(f"importing {module} imported inbox.tasks")
print("ok")
"""


def test_every_service_module_imports_in_a_fresh_interpreter_without_the_tasks_module():
    modules = sorted(f"inbox.services.{path.stem}" for path in SERVICES_DIR.glob("*.py") if path.stem != "__init__")
    assert "inbox.services.replies" in modules and "inbox.services.ingestion" in modules
    # A fresh interpreter (this one imported the tasks long ago): Django set up, then each module
    # in turn; the first one that pulls inbox.tasks in is named.
    run = subprocess.run([sys.executable, "-c", CHECK, *modules], env={**os.environ,
                         "DJANGO_SETTINGS_MODULE": "config.settings"}, capture_output=True, text=True, timeout=60,
                         cwd=SERVICES_DIR.parent.parent)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-3000:]


def test_a_reply_finds_its_send_task_by_name_in_the_celery_registry():
    from inbox.services import replies
    from inbox.tasks import send_message

    assert replies._send_task() is send_message._get_current_object()
