"""Call the WSGI app in process, without HTTP, for the benchmarks that time the app alone.

WebOb (a Pyramid dependency) builds the environ, so the benchmarks run after a plain
``make install``: WebTest, the test suite's client, is in the testing extras only.
"""

from webob import Request


class WsgiClient:
    """``get``/``post`` on a WSGI app; a status other than ``status`` raises AssertionError."""

    def __init__(self, app, extra_environ=None):
        self.app = app
        self.extra_environ = dict(extra_environ or {})

    def _call(self, path, status, extra_environ, **blank):
        environ = dict(self.extra_environ, **(extra_environ or {}))
        response = Request.blank(path, environ=environ, **blank).get_response(self.app)
        if status is not None and response.status_int != status:
            raise AssertionError("%s: %s, expected %s: %s" % (path, response.status, status, response.text[:300]))
        return response

    def get(self, path, extra_environ=None, status=200):
        return self._call(path, status, extra_environ)

    def post(self, path, params=None, upload_files=(), extra_environ=None, status=200):
        """``upload_files``: [(field, filename, bytes)], sent as multipart/form-data."""
        fields = dict(params or {})
        for field, filename, content in upload_files:
            fields[field] = (filename, content)
        return self._call(path, status, extra_environ, POST=fields)
