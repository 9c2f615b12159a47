"""A WebTest client that posts like the admin's own pages do.

Once a client has loaded an admin page with a form, its cookie jar holds the CSRF cookie, and
from then on its requests look like a browser's (issue 11: a Cookie is a browser marker), which
must carry the CSRF token. A browser sends it because every admin POST form holds it
(``tests/web/test_security.py::test_every_post_form_carries_the_csrf_token`` checks that);
this client sends it in the ``X-CSRF-Token`` header, so tests that look at a page and then act
need not copy the token by hand. Tests of the CSRF check itself use a plain ``webtest.TestApp``.
"""

import webtest

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BrowserTestApp(webtest.TestApp):
    def do_request(self, req, status=None, expect_errors=None):
        if req.method not in SAFE_METHODS and "X-CSRF-Token" not in req.headers:
            token = self.cookies.get("csrf_token")
            if token:
                req.headers["X-CSRF-Token"] = token
        return super().do_request(req, status=status, expect_errors=expect_errors)
