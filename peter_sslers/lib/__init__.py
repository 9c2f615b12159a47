"""Logic with no web request in it: pure modules and the database layer (``lib.db``)."""
