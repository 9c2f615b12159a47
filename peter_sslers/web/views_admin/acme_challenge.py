"""AcmeChallenge: list, focus, sync and trigger (http-01, dns-01) on the ACME server; the public responder's
poll log."""

from ...lib import errors
from ...lib.db import get
from ...lib.db import actions_acme
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler


@focus_loader("admin:acme_challenge:focus")
def load_challenge(handler: AcmeHandler):
    return handler.load(get.get__AcmeChallenge, "AcmeChallenge")


def challenge_json(ctx, dbChallenge) -> dict:
    """The challenge, and whether this instance can trigger it (``actions_acme.can_trigger_challenge``:
    pending, and http-01, or dns-01 with a DNS backend or an acme-dns account for its name)."""
    payload = dbChallenge.as_json
    payload["is_can_acme_server_trigger"] = actions_acme.can_trigger_challenge(ctx, dbChallenge)
    return payload


class ViewList(AcmeHandler):
    @admin_view("admin:acme_challenges", renderer="/admin/acme_challenges.mako", paginate=True)
    def list(self):
        """Challenges, newest first (`?status=active|resolved|processing`)."""
        statement = get.query__AcmeChallenge(self.status_filter(get.CHALLENGE_STATUSES))
        return self.paged_list(
            statement, "AcmeChallenges", page_title="ACME challenges", statuses=("all",) + tuple(get.CHALLENGE_STATUSES)
        )

    @admin_view("admin:acme_challenge_polls", renderer="/admin/acme_challenge_polls.mako", paginate=True)
    def polls(self):
        """Hits on /.well-known/acme-challenge/ that matched a challenge."""
        return self.paged_list(get.query__AcmeChallengePoll(), "AcmeChallengePolls", page_title="ACME challenge polls")


class ViewFocus(AcmeHandler):
    @admin_view("admin:acme_challenge:focus", renderer="/admin/acme_challenge-focus.mako")
    def focus(self):
        """One challenge: type, status, token, key authorization."""
        dbChallenge = load_challenge(self)
        if self.is_json:
            return {"AcmeChallenge": challenge_json(self.ctx, dbChallenge)}
        return {"AcmeChallenge": dbChallenge, "is_can_trigger": actions_acme.can_trigger_challenge(self.ctx, dbChallenge)}

    def _act(self, operation: str, run):
        dbChallenge = load_challenge(self)
        focus_url = self.request.route_path("admin:acme_challenge:focus", id=dbChallenge.id)
        try:
            dbOrder = dbChallenge.acme_authorization.acme_order_created
            self.require_enabled_server(dbOrder.acme_account.acme_account_provider)
            status = run(dbChallenge)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, operation)
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, operation)
        if self.is_json:
            payload = {"result": "success", "operation": operation, "acme_status": status}
            payload["AcmeChallenge"] = challenge_json(self.ctx, get.get__AcmeChallenge(self.ctx, dbChallenge.id))
            return payload
        return self.redirect_result(focus_url, "success", operation)

    @admin_view(
        "admin:acme_challenge:focus:acme_server:sync",
        post=True,
        about="Read the challenge's status from the ACME server (`*404*` when it is gone).",
        example="curl -X POST {ADMIN_URL}/acme-challenge/1/acme-server/sync.json",
    )
    def acme_server_sync(self):
        return self._act("acme-server-sync", lambda c: actions_acme.sync_challenge(self.ctx, c))

    @admin_view(
        "admin:acme_challenge:focus:acme_server:trigger",
        post=True,
        about="Tell the ACME server a pending http-01 or dns-01 challenge is ready, and wait for its verdict on "
        "the authorization.",
        example="curl -X POST {ADMIN_URL}/acme-challenge/1/acme-server/trigger.json",
        notes=(
            "`acme_status` is the authorization's status afterwards.",
            "dns-01: the TXT record of the authorization's name is published first (the name's acme-dns account, "
            "else the RFC 2136 DNS backend of its zone), the server is told once every authoritative server "
            "answers it, and the record is removed after the verdict. A name with neither is refused (HTTP 400, "
            "nothing sent); a publishing failure answers nothing (HTTP 502/503, `service: dns` or `acme-dns`).",
        ),
    )
    def acme_server_trigger(self):
        return self._act("acme-server-trigger", lambda c: actions_acme.trigger_challenge(self.ctx, c))
