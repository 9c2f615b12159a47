"""AcmeEventLog: one row per exchange with an ACME server, written as it happens.

The ACME client reports every exchange (``acme_v2.AcmeExchange``) to
``AcmeEventLogger.record``; the logger stores it with the objects the orchestration is
working on at that moment (``logger.scope(...)``), so each row links to its account,
order, authorization, challenge, CSR or certificate.
"""

import contextlib
import json
from typing import List
from typing import Optional

from ...model import utils as model_utils
from ...model.objects import AcmeEventLog

# acme_v2.AcmeExchange.operation -> AcmeEvent name (model/utils.py)
OPERATION_EVENTS = {
    "directory": "v2|directory",
    "newNonce": "v2|newNonce",
    "newAccount": "v2|newAccount",
    "account-update": "v2|Account-update",
    "account-deactivate": "v2|Account-deactivate",
    "keyChange": "v2|keyChange",
    "newOrder": "v2|newOrder",
    "order": "v2|-order-PostAsGet",
    "authorization": "v2|-authorization-request",
    "authorization-deactivate": "v2|-authorization-deactivate",
    "challenge": "v2|-challenge-PostAsGet",
    "challenge-answer": "v2|-challenge-trigger",
    "finalize": "v2|Order-finalize",
    "certificate": "v2|Certificate-download",
    "revokeCert": "v2|revokeCert",
    "renewalInfo": "v2|renewalInfo",
}

_SCOPE_KEYS = (
    "acme_account_id",
    "acme_order_id",
    "acme_authorization_id",
    "acme_challenge_id",
    "certificate_request_id",
    "certificate_signed_id",
)

# cap what is stored of one response (a certificate chain is a few KB; a runaway body is not)
MAX_STORED_BODY = 65536


class AcmeEventLogger:
    def __init__(self, ctx, **scope):
        self.ctx = ctx
        self._scope = {k: v for k, v in scope.items() if v is not None}
        self.last: Optional[AcmeEventLog] = None
        self.records: List[AcmeEventLog] = []

    @contextlib.contextmanager
    def scope(self, **ids):
        """Link the exchanges made inside the block to these objects too."""
        saved = dict(self._scope)
        self._scope.update({k: v for k, v in ids.items() if v is not None})
        try:
            yield self
        finally:
            self._scope = saved

    def set(self, **ids) -> None:
        """Link every later exchange to these objects (e.g. the order, once it exists)."""
        self._scope.update({k: v for k, v in ids.items() if v is not None})

    def record(self, exchange) -> AcmeEventLog:
        dbEvent = AcmeEventLog()
        dbEvent.timestamp_event = self.ctx.timestamp
        dbEvent.acme_event_id = model_utils.AcmeEvent.from_string(OPERATION_EVENTS[exchange.operation])
        dbEvent.request_method = exchange.method
        dbEvent.request_url = exchange.url
        dbEvent.request_payload = (
            json.dumps(exchange.request_payload, sort_keys=True) if exchange.request_payload is not None else None
        )
        dbEvent.response_status = exchange.status
        dbEvent.response_headers = json.dumps(dict(exchange.response_headers or {}), sort_keys=True)
        dbEvent.response_payload = (exchange.response_body or "")[:MAX_STORED_BODY]
        if exchange.problem:
            dbEvent.problem_type = (exchange.problem.get("type") or "")[:255] or None
            dbEvent.problem_detail = exchange.problem.get("detail")
        for key in _SCOPE_KEYS:
            if key in self._scope:
                setattr(dbEvent, key, self._scope[key])
        self.ctx.dbsession.add(dbEvent)
        self.ctx.dbsession.flush(objects=[dbEvent])
        self.last = dbEvent
        self.records.append(dbEvent)
        # Committed at once, with whatever the orchestration has done so far: the exchange
        # happened on the server, and no write transaction may stay open while a poll waits
        # (on SQLite it would lock out the public responder the ACME server is about to call).
        self.ctx.checkpoint()
        return dbEvent
