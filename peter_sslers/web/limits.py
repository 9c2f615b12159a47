"""The request body limit and the form-parsing guard.

``refuse_body`` runs first in the outermost tween (``web/tweens.py``), before the admin checks
(whose CSRF check reads the form) and before any view reads the body:

* ``request_max_bytes``: a ``Content-Length`` over the limit is answered 413 at once, the body
  unread; a body without a length (chunked) is read no further than the limit plus one byte,
  and kept in memory for the views only when it fits. One 100 MB form field once took the
  process from 134 MB to 721 MB: parsing never starts on such a body now.
* A form body WebOb cannot parse (multipart without a boundary, a truncated part, a bad
  length) is answered 400 here, once, instead of a 500 wherever ``request.POST`` is first read.

Both answers are the error envelope of ``web/exceptions.py``: JSON on ``.json`` paths.
"""

import io
import logging

from pyramid.httpexceptions import HTTPBadRequest
from pyramid.httpexceptions import HTTPRequestEntityTooLarge

log = logging.getLogger(__name__)

FORM_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _error(request, exc):
    # imported here: exceptions.py imports the view machinery this module does not need
    from .exceptions import error_response

    return error_response(request, exc.code, exc.title, exc.detail)


def _content_length(request):
    """The declared body length: an int, None (not given, or ``-1``: unknown) or -1 (not a number)."""
    raw = request.environ.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    raw = raw.strip()
    if raw == "-1":
        # "length unknown", as Pyramid's prequest says for a body read from its standard input:
        # read like a body without a length, within the limit
        return None
    if not (raw.isascii() and raw.isdigit()):
        return -1
    return int(raw)


def _read_bounded(request, limit: int):
    """A body without a length, read up to ``limit + 1`` bytes: the bytes, or None when over."""
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return b""
    chunks = []
    remaining = limit + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    return None if len(data) > limit else data


def too_large_message(limit: int) -> str:
    return "The request body is larger than the %s bytes allowed (`request_max_bytes`)." % limit


def refuse_body(request, limit: int):
    """The answer to a request whose body must not be read (too large, unparsable), or None."""
    length = _content_length(request)
    if length == -1:
        return _error(request, HTTPBadRequest("The Content-Length header is not a number."))
    if length is not None:
        if length > limit:
            return _error(request, HTTPRequestEntityTooLarge(too_large_message(limit)))
    elif request.method not in ("GET", "HEAD", "OPTIONS", "DELETE") or request.environ.get("wsgi.input_terminated"):
        # No length: chunked (waitress de-chunks it and marks the input terminated) or a
        # client that just streams. Read a bounded amount, and hand the views what fitted.
        data = _read_bounded(request, limit)
        if data is None:
            return _error(request, HTTPRequestEntityTooLarge(too_large_message(limit)))
        request.environ["wsgi.input"] = io.BytesIO(data)
        request.environ["CONTENT_LENGTH"] = str(len(data))
        request.environ.pop("wsgi.input_terminated", None)
    if request.method == "POST" and (request.content_type or "") in FORM_CONTENT_TYPES:
        try:
            request.POST  # parse it now, where a failure has one answer
        except Exception as exc:  # WebOb (cgi) raises ValueError, TypeError, KeyError... on bad bodies
            log.info("unparsable %s body on %s: %s", request.content_type, request.path, exc.__class__.__name__)
            return _error(request, HTTPBadRequest("The form data could not be read (%s)." % _parse_error_text(exc)))
    return None


def _parse_error_text(exc) -> str:
    """What went wrong, briefly and never with the body's own bytes in it."""
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    if len(text) > 120 or not text.isprintable():
        return exc.__class__.__name__
    return text
