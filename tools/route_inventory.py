#!/usr/bin/env python3
"""Check that every route of the 2021 design's route tables exists here.

Usage::

    .venv/bin/python tools/route_inventory.py ../shared/spec/reference_inventory.md

Reads the route tables of the inventory's section 2 (rows starting with a path in backticks),
compares each path (placeholders and the ``.json`` suffix folded) with this application's routes
(every optional view enabled), and prints what is missing. Exits 1 when a route is missing that is
not in ``DROPPED`` (each with the page of docs/ that says why).
"""

import re
import sys

# routes of the 2021 design left out on purpose, and where docs/ says why
DROPPED = {
    "/acme-challenge-unknown-polls": "docs/Security.md (the responder stores no misses: a row per "
    "internet-chosen miss cannot be bounded cheaply; the log line carries the same facts)",
}


def _fold(pattern: str) -> str:
    pattern = re.sub(r"\{[^}]*\}", "{}", pattern.strip())
    return re.sub(r"\.json$", "", pattern) or "/"


def our_routes() -> set:
    sys.path.insert(0, ".")
    from tests.web.test_routes import _routes

    ours = set()
    for _name, pattern in _routes(enable_acme_flow="true"):
        if pattern.startswith("/.well-known/admin"):
            pattern = pattern[len("/.well-known/admin") :]
        # a `{which:(all|active|finished)}` segment is one route per alternative
        match = re.search(r"\{[a-z_]+:\(([a-z|]+)\)\}", pattern)
        if match:
            for word in match.group(1).split("|"):
                ours.add(_fold(pattern[: match.start()] + word + pattern[match.end() :]))
        ours.add(_fold(pattern))
    return ours


def inventory_routes(path: str) -> list:
    text = open(path, encoding="utf-8").read()
    section = text[text.index("## 2. Routes") : text.index("## 3.")]
    return [_fold(m.group(1)) for m in re.finditer(r"^\| `(/[^`]*)`", section, re.M)]


def main(argv) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    ours = our_routes()
    wanted = inventory_routes(argv[1])
    missing = [p for p in wanted if p not in ours]
    for path in missing:
        print("%s: %s" % (path, ("dropped on purpose: " + DROPPED[path]) if path in DROPPED else "MISSING"))
    print("%d routes of the inventory, %d here, %d dropped on purpose" % (len(wanted), len(wanted) - len(missing), len(missing)))
    return 1 if any(p not in DROPPED for p in missing) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
