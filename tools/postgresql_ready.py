"""Exit 0 when the PostgreSQL of the given SQLAlchemy URL answers; try to start a local one first.

Used by `make test`: this machine kind starts PostgreSQL before the session, but if it
has stopped, the command the environment documents brings it back.
"""

import glob
import os
import subprocess
import sys
import time


def _answers(url: str) -> bool:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
        return True
    except psycopg.OperationalError as exc:
        print("PostgreSQL: %s" % str(exc).strip().splitlines()[0], file=sys.stderr)
        return False


def _try_start() -> None:
    versions = [os.path.basename(p) for p in glob.glob("/etc/postgresql/*")]
    if not versions or os.geteuid() != 0:
        return
    print("PostgreSQL does not answer: starting the local cluster %s/main" % versions[0], file=sys.stderr)
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "start"],
        check=False,
    )
    time.sleep(2)


def main() -> int:
    url = sys.argv[1]
    if _answers(url):
        return 0
    _try_start()
    return 0 if _answers(url) else 1


if __name__ == "__main__":
    sys.exit(main())
