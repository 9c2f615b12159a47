"""invoke looks for ``tasks.py`` in the current directory and its parents: this one lets the
certbot import tasks of ``tools/tasks.py`` run from the repository root, e.g.

    invoke import-certbot-certs-archive --archive-path=/etc/letsencrypt/archive \\
        --server-url-root=http://127.0.0.1:7201/.well-known/admin
"""

import importlib.util
import os

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools", "tasks.py")
_spec = importlib.util.spec_from_file_location("peter_sslers_tools_tasks", _PATH)
_tasks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tasks)

ns = _tasks.ns
