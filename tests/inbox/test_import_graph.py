"""The services never import the tasks module: tasks import services, so the other way is a circle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import inbox.services

SERVICES_DIR = Path(inbox.services.__file__).parent
CHECK = """
import sys, django
django.setup()
import importlib
importlib.import_module(sys.argv[1])
loaded = sorted(name for name in sys.modules if name == "inbox.tasks" or name.endswith(".tasks"))
print(",".join(loaded))
"""


def test_each_service_module_imports_in_a_fresh_interpreter_without_the_tasks_module():
    modules = sorted(f"inbox.services.{path.stem}" if path.stem != "__init__" else "inbox.services"
                     for path in SERVICES_DIR.glob("*.py"))
    assert "inbox.services.replies" in modules
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    # One fresh interpreter per module, all at once: none inherits what another imported.
    runs = {module: subprocess.Popen([sys.executable, "-c", CHECK, module], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=SERVICES_DIR.parent.parent)
            for module in modules}
    for module, run in runs.items():
        out, err = run.communicate(timeout=60)
        assert run.returncode == 0, f"{module} failed to import:\n{err}"
        assert "inbox.tasks" not in out.strip().split(","), f"importing {module} imported inbox.tasks"


def test_a_reply_finds_its_send_task_by_name_in_the_celery_registry():
    from inbox.services import replies
    from inbox.tasks import send_message

    assert replies._send_task() is send_message._get_current_object()
