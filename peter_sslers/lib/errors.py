"""The one exception hierarchy of peter_sslers.

``lib`` code raises these; the web layer maps them to form errors, JSON error
envelopes and HTTP statuses. Callers branch on the class (and on codes carried as
attributes), never on message text.
"""


class PeterSSLersError(Exception):
    """Root of every error peter_sslers raises on purpose."""


class InvalidRequest(PeterSSLersError):
    """Input that cannot be used; nothing was changed.

    ``field`` names the form field at fault (None when the whole request is wrong).
    """

    def __init__(self, message: str, field: str = None):
        super().__init__(message)
        self.message = message
        self.field = field


class FormInvalid(InvalidRequest):
    """Several fields failed validation: ``errors`` maps field name to message."""

    def __init__(self, errors: dict, message: str = "There was an error with your form."):
        super().__init__(message)
        self.errors = dict(errors)


class InvalidTransition(InvalidRequest):
    """The object exists but cannot move to the state asked for (e.g. re-activating a revoked certificate)."""


class ConflictingObject(InvalidRequest):
    """The request would duplicate or contradict an object that already exists."""


class DatabaseNotInitialized(PeterSSLersError):
    """The database has no schema or no seed data yet."""


class ConfigurationMismatch(PeterSSLersError):
    """The ini file and the database disagree in a way only an operator can settle."""


class CryptographyError(InvalidRequest):
    """Certificate, key or CSR material that cannot be used (raised by ``lib.cert_utils``)."""


class InvalidPEM(CryptographyError):
    """Not the kind of object asked for: garbage, binary junk, DER where PEM was expected,
    a CSR given as a certificate, an unsupported key type..."""


class KeyMismatch(CryptographyError):
    """A private key that does not belong to the certificate or CSR it was given with."""


class ChainError(CryptographyError):
    """A chain that is out of order or that did not sign the certificate."""


class OpenSslError(PeterSSLersError):
    """The ``openssl`` binary (the fallback backend) failed in a way that is not the input's fault."""
