"""Every database operation, grouped by verb.

Functions take an ``ApiContext`` (``ctx``) and plain values, never a request, so the
same code runs from a view, a console script, ``prequest`` and a test.
"""
