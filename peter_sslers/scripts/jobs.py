"""``peter_sslers_job INI JOB``: the API jobs as a console script, for cron.

The same code as the ``/api/...`` routes (``lib.db``), run without a web server and without
an HTTP time-out, on the ini's database; the answer is printed as JSON and the exit status
is 0 on success, 1 when the job failed (an error, an outside service down or answering badly,
a processed queue item whose renewal failed), 2 for a bad command line or ini.

Jobs:

* ``update-recents``: every Domain's latest certificates and every counter (``/api/update-recents``);
* ``deactivate-expired``: expired certificates that are no Domain's latest (``/api/deactivate-expired``);
* ``queue-domains-process``: the oldest queued names into one ACME order (``/api/queue-domains/process``);
* ``queue-certificates-update``: enqueue what needs renewing (``/api/queue-certificates/update``);
* ``queue-certificates-process``: renew ONE queued certificate (``/api/queue-certificates/process``).

``--max-items N`` (the two queue-process jobs): up to N orders in this run, ``queue_process_concurrency``
of them at once (``max_items`` of the routes).
* ``redis-prime``: every active Domain's certificate into Redis (``/api/redis/prime``).
* ``coverage-check``: resolve the coverage events a replacement fixed, raise those of certificates
  expiring with nothing renewing them (``update`` does it too);
* ``notify``: send the notifications that are due (``/api/notifications/deliver``).

The ``queue-certificates-update``, ``queue-certificates-process`` and ``coverage-check`` jobs
also send the notifications that are due once their own work is committed (``notifications``
in the answer), so a failed renewal is told at once; run ``notify`` from cron every few minutes
for the retries.
"""

import argparse
import json
import sys

from typing import Optional

from pyramid.paster import get_appsettings
from pyramid.paster import setup_logging

from ..config import ApplicationSettings
from ..config import ConfigurationError
from ..lib import cert_utils
from ..lib import errors
from ..lib.db import actions
from ..lib.db import actions_redis
from ..lib.db import coverage
from ..lib.db import get
from ..lib.db import notifications
from ..lib.db import queues
from ..lib.db.order_spec import OrderSpec
from ..lib.db.bootstrap import reconcile_certificate_authority
from ..model import meta
from ..web.database import new_script_context
from ..web.lib.handler import outside_error_message
from ..web.lib.handler import outside_status


def _queue_domains_process(ctx, max_items: Optional[int] = None) -> dict:
    dbAccount = get.get__AcmeAccount__global_default(ctx)
    if dbAccount is None:
        raise errors.InvalidRequest("There is no global default ACME account to order with.")
    if max_items is not None:
        results = queues.queue_domains__process_items(ctx, OrderSpec(dbAccount, {}), max_items=max_items)
        failures = {i["queue_domain_ids"][0] if i["queue_domain_ids"] else "-": i["error"] for i in results["items"] if i["result"] != "success"}
        return dict(results, failures=failures)
    dbOrder = queues.queue_domains__process(ctx, dbAccount)
    return {"AcmeOrder": {"id": str(dbOrder.id), "acme_status_order": dbOrder.acme_status_order}}


def _queue_certificates_process(ctx, max_items: Optional[int] = None) -> dict:
    if max_items is not None:
        return queues.queue_certificates__process_items(ctx, max_items=max_items)
    return queues.queue_certificates__process(ctx)


JOBS = {
    "update-recents": lambda ctx: actions.update_recents__global(ctx),
    "deactivate-expired": actions.deactivate_expired,
    "queue-domains-process": _queue_domains_process,
    "queue-certificates-update": queues.queue_certificates__update,
    "queue-certificates-process": _queue_certificates_process,
    "redis-prime": actions_redis.prime_redis__all,
    "coverage-check": coverage.check,
    "notify": notifications.deliver_pending,
}

# the jobs that take ``--max-items``: several orders in one run, `queue_process_concurrency` at once
JOBS_WITH_MAX_ITEMS = ("queue-domains-process", "queue-certificates-process")

# the jobs after which the notifications that are due are sent (in a transaction of their own)
JOBS_THEN_NOTIFY = ("queue-certificates-update", "queue-certificates-process", "coverage-check")


class _Registry:
    """What ``new_script_context`` needs of an app registry, without building the app."""

    def __init__(self, settings: dict, app_settings: ApplicationSettings):
        self.app_settings = app_settings
        self.dbsession_factory = meta.get_session_factory(meta.get_engine(settings))


def _plain(result):
    """A job's answer as JSON-able values (a queue item becomes its JSON)."""
    if isinstance(result, dict):
        return {k: (v.as_json if hasattr(v, "as_json") else v) for k, v in result.items()}
    return result


def run_job(settings: dict, job: str, max_items: Optional[int] = None) -> dict:
    """Run one job in its own transaction; what an ACME server did is committed as it happens.
    ``max_items`` (the queue-process jobs): up to that many orders, ``queue_process_concurrency`` at once."""
    app_settings = ApplicationSettings.from_settings(settings)
    cert_utils.configure(openssl_path=app_settings.openssl_path, openssl_path_conf=app_settings.openssl_path_conf)
    ctx = new_script_context(_Registry(settings, app_settings))
    try:
        reconcile_certificate_authority(ctx)  # the ini's ACME server, as at app start
        if max_items is not None:
            result = _plain(JOBS[job](ctx, max_items=max_items))  # read while the transaction is open
        else:
            result = _plain(JOBS[job](ctx))
        ctx.transaction_manager.commit()
        if job in JOBS_THEN_NOTIFY and isinstance(result, dict):
            # after the commit: what the job raised is sent; what it rolled back never existed
            ctx.transaction_manager.begin()
            result["notifications"] = notifications.deliver_pending(ctx)
            ctx.transaction_manager.commit()
        if isinstance(result, dict) and result.get("count_fail"):
            # a processed item failed: the job failed (exit 1), its failure is committed on the item
            failures = result.get("failures") or {}
            message = "; ".join("item %s: %s" % item for item in sorted(failures.items())) or "an item failed"
            return {"result": "error", "job": job, "error": message, "details": result}
        return {"result": "success", "job": job, "details": result}
    except Exception:
        ctx.transaction_manager.abort()
        raise
    finally:
        ctx.dbsession.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="peter_sslers_job", description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument(
        "--max-items",
        type=int,
        default=None,
        help="queue-domains-process, queue-certificates-process: up to this many orders (1 to %s), "
        "queue_process_concurrency of them at once; default: one" % queues.MAX_ITEMS,
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.max_items is not None:
        if args.job not in JOBS_WITH_MAX_ITEMS:
            parser.error("--max-items is for %s only" % ", ".join(JOBS_WITH_MAX_ITEMS))
        if not 1 <= args.max_items <= queues.MAX_ITEMS:
            parser.error("--max-items must be from 1 to %s" % queues.MAX_ITEMS)
    setup_logging(args.config_uri)
    settings = get_appsettings(args.config_uri)
    try:
        answer = run_job(settings, args.job, max_items=args.max_items)
        status = 0 if answer["result"] == "success" else 1
    except ConfigurationError as exc:
        print("%s: %s" % (args.config_uri, exc), file=sys.stderr)
        return 2
    except errors.PeterSSLersError as exc:
        answer = {"result": "error", "job": args.job, "error": outside_error_message(exc)}
        if isinstance(exc, (errors.AcmeError, errors.RedisUnavailable)):
            answer["service"] = outside_status(exc)[1]
        status = 1
    print(json.dumps(answer, sort_keys=True, indent=2, default=str))
    return status


if __name__ == "__main__":
    sys.exit(main())
