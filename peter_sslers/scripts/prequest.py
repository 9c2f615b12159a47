"""``peter_sslers_prequest``: Pyramid's ``prequest`` whose exit status says how the request went.

``prequest`` exits 0 whatever the answer (a 502 from a failed renewal included), so a cron job
that runs it cannot see a failure. This is the same command (same arguments, same output) with
one difference, the exit status:

* 0: the answer was 2xx or 3xx;
* 1: the answer was 4xx or 5xx (the job failed: the body says why);
* 2: a bad command line (as ``prequest``).

Example::

    peter_sslers_prequest -m POST production.ini /.well-known/admin/api/queue-certificates/process.json < /dev/null
"""

import sys

from pyramid.scripts.prequest import PRequestCommand

EXIT_FAILED = 1


class _StatusRecorder:
    """A WSGI wrapper that keeps the status of the answer."""

    def __init__(self, app):
        self.app = app
        self.status = None

    def __call__(self, environ, start_response):
        def _start_response(status, headers, exc_info=None):
            self.status = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        return self.app(environ, _start_response)


class _Loader:
    def __init__(self, loader, recorder_box: list):
        self._loader = loader
        self._box = recorder_box

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def get_wsgi_app(self, *args, **kw):
        recorder = _StatusRecorder(self._loader.get_wsgi_app(*args, **kw))
        self._box.append(recorder)
        return recorder


class StatusPRequestCommand(PRequestCommand):
    def __init__(self, argv, quiet=False):
        super().__init__(argv, quiet=quiet)
        self._recorders = []
        original = self._get_config_loader
        self._get_config_loader = lambda uri: _Loader(original(uri), self._recorders)

    def run(self):
        code = super().run()
        if code:
            return code
        status = self._recorders[-1].status if self._recorders else None
        if status is None or status >= 400:
            return EXIT_FAILED
        return 0


def main(argv=None, quiet=False) -> int:
    command = StatusPRequestCommand(sys.argv if argv is None else argv, quiet)
    return command.run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main() or 0)
