"""API jobs: update-recents, deactivate-expired and the Redis prime (run them from cron through
prequest)."""

from ...lib import errors
from ...lib import utils_redis
from ...lib.db import actions
from ...lib.db import actions_redis
from ...lib.db import chains
from ..lib import forms
from ..lib.handler import Handler
from ..lib.viewconfig import admin_view


class ViewApi(Handler):
    def _get_update_recents(self):
        """The page a GET shows: the form."""
        return {"page_title": "Update recents", "result": None}

    @admin_view(
        "admin:api:update_recents",
        renderer="/admin/api-job.mako",
        post=True,
        get="_get_update_recents",
        schema=forms.ActionNoFields,
        about="Recompute every Domain's latest single and multi certificates and the key, account and "
        "CA counters, in one set-based pass.",
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/update-recents.json < /dev/null",
    )
    def update_recents(self):
        result = actions.update_recents__global(self.ctx)
        payload = {"result": "success", "operations_event": str(result["operations_event_id"])}
        return payload if self.is_json else {"page_title": "Update recents", "result": payload}

    def _get_deactivate_expired(self):
        """The page a GET shows: the form."""
        return {"page_title": "Deactivate expired", "result": None}

    @admin_view(
        "admin:api:deactivate_expired",
        renderer="/admin/api-job.mako",
        post=True,
        get="_get_deactivate_expired",
        schema=forms.ActionNoFields,
        about="Deactivate expired certificates, except one that is still the latest single or multi "
        "certificate of any of its Domains.",
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/deactivate-expired.json < /dev/null",
    )
    def deactivate_expired(self):
        result = actions.deactivate_expired(self.ctx)
        payload = {
            "result": "success",
            "CertificateSigned": {
                "expired": result["count_deactivated"],
                "ids": [str(i) for i in result["certificate_signed_ids"]],
            },
            "operations_event": str(result["operations_event_id"]),
        }
        return payload if self.is_json else {"page_title": "Deactivate expired", "result": payload}

    def _get_reconcile_cas(self):
        """The page a GET shows: the form."""
        return {"page_title": "Reconcile CAs", "result": None}

    @admin_view(
        "admin:api:reconcile_cas",
        renderer="/admin/api-job.mako",
        post=True,
        get="_get_reconcile_cas",
        schema=forms.ActionNoFields,
        about="For every CA certificate with an AIA caIssuers URI that is not reconciled yet, download its issuer "
        "(DER, PEM or PKCS#7), check that it signed the CA, store it and link it; then the same for the issuers "
        "found.",
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/reconcile-cas.json < /dev/null",
        notes=(
            "Each attempt is a CertificateCAReconciliation (`result`, `error`); a failed one is tried again by the "
            "next run. At most %d downloads a run (`count_remaining`: what is left), each http(s) only, at most "
            "%d bytes and %d s." % (chains.RECONCILE_MAX_FETCHES, chains.RECONCILE_MAX_BYTES, chains.RECONCILE_TIMEOUT_SECONDS),
            "`result` is `success` when the run completed, whatever each download did: see `count_fail`.",
        ),
    )
    def reconcile_cas(self):
        result = chains.reconcile_cas(self.ctx)
        payload = {
            "result": "success",
            "operations_event": str(result["operations_event_id"]),
            "count_success": result["count_success"],
            "count_fail": result["count_fail"],
            "count_remaining": result["count_remaining"],
            "CertificateCAReconciliations": [a.as_json for a in result["CertificateCAReconciliations"]],
        }
        return payload if self.is_json else {"page_title": "Reconcile CAs", "result": payload}

    def _get_redis_prime(self):
        """The page a GET shows: the form and Redis's settings."""
        return {"page_title": "Redis prime", "result": None, "error": None, "redis": self._redis_status()}

    @admin_view(
        "admin:api:redis:prime",
        renderer="/admin/api-redis-prime.mako",
        post=True,
        get="_get_redis_prime",
        schema=forms.ActionNoFields,
        about="Prime Redis with every active Domain's certificate, private key and chain, in the layout "
        "of `redis.prime_style` (what lua-resty-peter_sslers reads), %s domains per round trip; then "
        "remove the domains (and style 1 values) the database no longer serves." % utils_redis.PRIME_BATCH_SIZE,
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/redis/prime.json < /dev/null",
        notes=(
            "`enable_redis = false`: HTTP 400 `{\"result\": \"error\", \"error\": \"redis is not enabled\"}`, "
            "nothing is done.",
            "Redis does not answer: HTTP 503 `{\"result\": \"error\", \"error\": \"Redis at <server> failed: ...\", "
            "\"service\": \"redis\"}` and no OperationsEvent.",
            "Success: `operations_event.total_primed` counts the keys written: `domain` hashes, and for style 1 "
            "the distinct `cert`, `pkey` and `certcachain` values; `removed` the stale keys deleted.",
            "The key layout is in docs/Redis.md.",
        ),
    )
    def redis_prime(self):
        page = self._get_redis_prime()
        try:
            result = actions_redis.prime_redis__all(self.ctx)
        except errors.RedisNotEnabled as exc:
            self.request.tm.doom()
            self.request.response.status = 400
            if self.is_json:
                return {"result": "error", "error": exc.message, "form_errors": {"Error_Main": exc.message}}
            return dict(page, error=exc.message)
        except errors.RedisUnavailable as exc:
            # The request was fine, the server was not: 503 (Handler.outside_error); nothing is
            # logged as done.
            if self.is_json:
                return self.outside_error(exc, operation="redis-prime")
            self.request.tm.doom()
            self.request.response.status = 503
            return dict(page, error=exc.message)
        payload = {
            "result": "success",
            "operations_event": {"id": str(result["operations_event_id"]), "total_primed": result["total_primed"]},
            "prime_style": result["prime_style"],
            "removed": result["removed"],
            "skipped": result["skipped"],
            "redis_server": result["redis_server"],
        }
        return payload if self.is_json else dict(page, result=payload)

    def _redis_status(self) -> dict:
        settings = self.settings
        return {
            "enabled": settings.enable_redis,
            "server": actions_redis.redis_server(self.ctx) if settings.redis_url else None,
            "prime_style": settings.redis_prime_style,
        }
