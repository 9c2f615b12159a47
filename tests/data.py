"""Access to the checked-in test data (made by tests/test_data/generate.py) and its manifest."""

import functools
import json
import os

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_data")


def path(name: str) -> str:
    return os.path.join(DIR, name)


def read(name: str) -> str:
    with open(path(name)) as f:
        return f.read()


def read_bytes(name: str) -> bytes:
    with open(path(name), "rb") as f:
        return f.read()


@functools.lru_cache(maxsize=1)
def manifest() -> dict:
    with open(path("manifest.json")) as f:
        return json.load(f)["files"]


def facts(name: str) -> dict:
    return manifest()[name]


def leaf(stem: str) -> dict:
    """The files of one leaf (``leaf_rsa_single``): cert, chain, fullchain and key, as text."""
    return {part: read("%s.%s.pem" % (stem, part)) for part in ("cert", "chain", "fullchain", "key")}


LEAVES = ("leaf_rsa_single", "leaf_rsa_multi", "leaf_ec256_single", "leaf_ec384_multi", "leaf_by_b")
