"""peter_sslers served by ``pserve`` (waitress) on loopback, from an ini written for the occasion.

One place for what ``make demo`` (tools/demo.py), ``make bench`` (bench/bench.py) and the
two-instance test (tests/web/test_two_instances.py) each need: the ini of a server, the process,
the wait until it answers, and the stop. Only 127.0.0.1 is ever listened on.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import Dict
from typing import Optional

import requests

INI = """[app:main]
use = egg:peter_sslers
{settings}

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}
threads = {threads}

[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = {log_level}
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic
[formatter_generic]
format = %%(asctime)s %%(levelname)-5.5s [%%(name)s] %%(message)s
"""

# what answers once the app is up: public, no database, no credentials
READY_PATH = "/.well-known/public/whoami"


class ServedError(Exception):
    """The server did not come up; the message ends with its log's tail."""


def ini_value(value) -> str:
    # ConfigParser interpolation: a literal % (a URL-quoted search_path, say) is written %%
    return str(value).replace("%", "%%")


def server_ini(settings: Dict[str, object], port: int, threads: int = 4, log_level: str = "WARN") -> str:
    """The text of an ini serving the app with ``settings`` on 127.0.0.1:``port``."""
    lines = "\n".join("%s = %s" % (key, ini_value(value)) for key, value in settings.items())
    return INI.format(settings=lines, port=int(port), threads=int(threads), log_level=log_level)


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the kernel SIGTERMs the child when its parent dies, so a killed run leaves no server."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def spawn(command, log_path: str, env: Optional[dict] = None) -> subprocess.Popen:
    """``command`` in the background, its output appended to ``log_path``, no standard input."""
    with open(log_path, "ab") as log_file:
        return subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )


def stop(process: Optional[subprocess.Popen]) -> None:
    """SIGTERM, then SIGKILL after 10 seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def log_tail(path: str, lines: int = 30) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class Served:
    """``pserve ini_path``, its output in ``log_path``; :meth:`wait` until it answers."""

    def __init__(self, ini_path: str, port: int, log_path: str, name: str = "peter_sslers"):
        pserve = os.path.join(os.path.dirname(sys.executable), "pserve")
        if not os.path.exists(pserve):
            raise ServedError("pserve is missing beside %s: make install" % sys.executable)
        self.name = name
        self.port = int(port)
        self.ini_path = ini_path
        self.log_path = log_path
        self.process = spawn([pserve, ini_path], log_path)

    @classmethod
    def from_settings(
        cls, workdir: str, name: str, settings: Dict[str, object], port: int, threads: int = 4
    ) -> "Served":
        """Write ``workdir/name.ini`` and start it; the log is ``workdir/name.log``."""
        ini_path = os.path.join(workdir, name + ".ini")
        with open(ini_path, "w") as f:
            f.write(server_ini(settings, port, threads=threads))
        return cls(ini_path, port, os.path.join(workdir, name + ".log"), name=name)

    @property
    def host(self) -> str:
        return "127.0.0.1:%d" % self.port

    @property
    def url(self) -> str:
        return "http://" + self.host

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, seconds: float = 60) -> "Served":
        """Return once ``READY_PATH`` answers 200; stop it and raise ServedError if it does not in time."""
        deadline = time.monotonic() + seconds
        with requests.Session() as session:
            session.trust_env = False  # loopback only, no proxies
            while True:
                try:
                    if session.get(self.url + READY_PATH, timeout=2).status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise ServedError(
                        "%s did not come up on %s; log %s:\n%s" % (self.name, self.host, self.log_path, log_tail(self.log_path))
                    )
                time.sleep(0.1)

    def stop(self) -> None:
        stop(self.process)
