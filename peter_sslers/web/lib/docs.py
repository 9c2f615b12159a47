"""Self-documentation of the JSON endpoints.

Each view declares what it does where it is registered (``admin_view(..., about=...,
schema=...)``); a form's colander schema is both its validator and its documentation.
The declarations land in the registry at scan time; ``/api`` lists them all and a GET
on an action's ``.json`` twin returns its own entry.
"""

import dataclasses
from typing import Optional

import colander
from pyramid.interfaces import IRoutesMapper

REGISTRY_KEY = "peter_sslers.api_docs"


@dataclasses.dataclass
class EndpointDocs:
    route_name: str  # the base name, without ``|json`` / ``_paginated``
    section: str
    about: str
    is_post: bool = False
    paginated: bool = False
    json_only: bool = False
    schema: Optional[type] = None
    example: Optional[str] = None
    notes: tuple = ()

    def form_fields(self) -> dict:
        if self.schema is None:
            return {}
        fields = {}
        for node in self.schema().children:
            text = node.description or node.title
            if node.required:
                text = "%s (required)" % text
            fields[node.name] = text
        return fields

    def valid_options(self) -> dict:
        if self.schema is None:
            return {}
        options = {}
        for node in self.schema().children:
            validator = node.validator
            if isinstance(validator, colander.OneOf):  # forms.OneOf too
                options[node.name] = [str(choice) for choice in validator.choices]
        return options


def register(registry, docs: EndpointDocs) -> None:
    registry.setdefault(REGISTRY_KEY, {})[docs.route_name] = docs


def get_all(registry) -> dict:
    return registry.get(REGISTRY_KEY, {})


def get(registry, route_name: str) -> Optional[EndpointDocs]:
    return get_all(registry).get(route_name)


def json_route_path(request, docs: EndpointDocs) -> str:
    """The path of an endpoint's JSON route, with placeholders left as ``{name}``."""
    name = docs.route_name + "|json"  # json_only routes are registered as `name|json` too
    route = request.registry.getUtility(IRoutesMapper).get_route(name)
    if route is None:
        return ""
    # Pyramid keeps prefixed patterns without their leading slash.
    return "/" + route.pattern.lstrip("/")


def as_json(request, docs: EndpointDocs) -> dict:
    """The self-documentation object for an endpoint (what a GET on an action's ``.json`` returns)."""
    path = json_route_path(request, docs)
    payload = {
        "endpoint": path,
        "section": docs.section,
        "about": docs.about,
        "method": "POST" if docs.is_post else "GET",
    }
    if docs.paginated:
        payload["paginated"] = "append /{page} before .json for further pages (50 items per page)"
    if docs.is_post:
        payload["form_fields"] = docs.form_fields()
        payload["instructions"] = [
            "HTTP POST required",
            "send the fields as form data (multipart for files)" if payload["form_fields"] else "no fields: an empty POST",
        ]
        payload["valid_options"] = docs.valid_options()
        from . import forms_2021  # the order routes also take the 2021 fields (forms_2021.translate)

        if docs.route_name in forms_2021.ROUTES:
            payload["form_fields_2021"] = forms_2021.form_fields(docs.route_name)
            payload["valid_options_2021"] = forms_2021.valid_options(docs.route_name)
            payload["instructions"].append(
                "the 2021 fields in `form_fields_2021` are accepted as alternatives to `acme_account_id` and "
                "`private_key_id` (docs/Implementation_Details.md, \"The 2021 order forms\")"
            )
    if docs.example:
        payload["example"] = docs.example.format(ADMIN_URL=request.admin_url)
    if docs.notes:
        payload["notes"] = list(docs.notes)
    return payload
