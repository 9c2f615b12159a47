"""``admin_view``: one declaration registers a view for a route and all its twins.

The twins match ``routes.add_route``: ``|json`` (rendered as JSON) and ``_paginated``
(with ``{page}``). The same declaration feeds the self-documentation registry.
"""

import functools
from typing import Optional

import venusian
from pyramid.view import view_config

from . import docs as docs_registry


def admin_view(
    route_name: str,
    renderer: Optional[str] = None,
    jsonify: bool = True,
    paginate: bool = False,
    json_only: bool = False,
    section: Optional[str] = None,
    about: Optional[str] = None,
    post: bool = False,
    schema=None,
    example: Optional[str] = None,
    notes: tuple = (),
    get: Optional[str] = None,
    get_extra: Optional[str] = None,
    confirm=None,
    **view_settings,
):
    """Declare an admin view.

    :param route_name: the base route name (``admin:domain:focus``).
    :param renderer: the Mako template of the HTML route (None for JSON-only or redirecting views).
    :param jsonify: the route has a ``|json`` twin.
    :param paginate: the route has ``_paginated`` twins.
    :param json_only: the only route is ``route_name|json``.
    :param post: an action: it changes state on POST only; GET documents it.
    :param schema: the colander schema of the action's form (documentation and validation).
    :param get: (actions) the name of the Handler method giving the HTML page a GET shows (the
        form); without it a GET on the HTML route goes back to the object with an error.
    :param get_extra: (actions) the name of the Handler method whose value a GET on the JSON
        route adds to the documentation as ``extra`` (the queue now, ...).
    :param confirm: (actions) an irreversible action: the question a browser is asked first (a
        string), or a function ``confirm(handler) -> question or None`` when only some values are
        irreversible (``mark`` with ``action=revoked``). An HTML POST without ``confirm=1`` gets a
        confirmation page (a form posting the same fields with ``confirm=1``) and changes nothing.
        The ``.json`` twin does not ask: an API client states what it wants in the call itself
        (docs/Architecture.md "Irreversible actions"); its documentation says so.

    An action (``post=True``) is the one mechanism of docs/Architecture.md "The web conventions":
    the decorated method runs on POST only; any other method (whatever its query string) gets
    ``Handler.action_get_answer`` and changes nothing; a failure of an outside service (ACME
    server, Redis, nginx) escaping the method becomes ``Handler.outside_error`` (502/503).
    """

    def wrap(wrapped):
        if post:
            wrapped = _action(wrapped, get, get_extra, confirm)
        variants = []
        if json_only:
            variants.append((route_name + "|json", "json"))
        else:
            variants.append((route_name, renderer))
            if jsonify:
                variants.append((route_name + "|json", "json"))
            if paginate:
                variants.append((route_name + "_paginated", renderer))
                if jsonify:
                    variants.append((route_name + "_paginated|json", "json"))
        for name, variant_renderer in variants:
            settings = dict(view_settings)
            if variant_renderer is not None:
                settings["renderer"] = variant_renderer
            # _depth=1: venusian must see the caller of ``wrap`` (a module or class body).
            wrapped = view_config(route_name=name, _depth=1, **settings)(wrapped)

        if jsonify or json_only:
            endpoint_docs = docs_registry.EndpointDocs(
                route_name=route_name,
                section=section or route_name.split(":")[1],
                about=about or _first_line(wrapped.__doc__) or route_name,
                is_post=post,
                paginated=paginate,
                json_only=json_only,
                schema=schema,
                example=example,
                notes=tuple(notes) + ((CONFIRM_NOTE,) if confirm is not None else ()),
            )

            def callback(context, name, ob):
                docs_registry.register(context.config.registry, endpoint_docs)

            venusian.attach(wrapped, callback, category="pyramid")
        return wrapped

    return wrap


CONFIRM_NOTE = (
    "Irreversible. The HTML form asks again first (a confirmation page; the action runs only with "
    "`confirm=1`); this `.json` endpoint runs at once: the call is the confirmation."
)


def _action(method, get: Optional[str], get_extra: Optional[str], confirm=None):
    """The dispatch of an action: POST runs ``method``; anything else documents or shows the form.
    An irreversible action (``confirm``) asks a browser again before it runs."""

    @functools.wraps(method)
    def dispatch(self):
        if self.request.method != "POST":
            return self.action_get_answer(get, get_extra)
        if confirm is not None and not self.is_json and self.request.POST.get("confirm") != "1":
            question = confirm(self) if callable(confirm) else confirm
            # a form its schema refuses is not asked about: the action answers its errors at once
            if question and self.form_is_valid():
                return self.confirmation_needed(question)
        try:
            return method(self)
        except self.OUTSIDE_ERRORS as exc:
            return self.outside_error(exc)

    return dispatch


def _first_line(text: Optional[str]) -> Optional[str]:
    if not text:
        return None
    return text.strip().splitlines()[0].strip()
