"""The enumerations of the data model.

Every "enum" column in the database is a plain integer; its meaning lives here,
in a small class holding the id <-> name mapping. There are no lookup tables.

Conventions shared by every class (see ``_Mapping``):

* ``as_string(id)`` / ``from_string(name)`` convert, and raise ``ValueError``
  naming the class and the accepted values on anything unknown;
* ``options()`` lists the names in id order (form choices, JSON docs);
* upper-case attributes are the ids (``Acme_Status_Order.PENDING == 1``);
* every ``OPTIONS_<GROUP>`` tuple of names gets a matching ``IDS_<GROUP>``
  tuple of ids, computed when the class is created; a name that is not in the
  mapping fails at import, so a typo in a group cannot silently never match.
"""

from typing import ClassVar


class _Mapping:
    _mapping: ClassVar[dict[int, str]] = {}
    _reverse: ClassVar[dict[str, int]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_mapping" in cls.__dict__:
            reverse = {name: id_ for id_, name in cls._mapping.items()}
            if len(reverse) != len(cls._mapping):
                raise TypeError("%s: duplicate names in _mapping" % cls.__name__)
            cls._reverse = reverse
        for attr in list(vars(cls)):
            if attr.startswith("OPTIONS_"):
                names = getattr(cls, attr)
                unknown = [n for n in names if n not in cls._reverse]
                if unknown:
                    raise TypeError(
                        "%s.%s names unknown values %r" % (cls.__name__, attr, unknown)
                    )
                setattr(
                    cls, "IDS_" + attr[8:], tuple(cls._reverse[n] for n in names)
                )

    @classmethod
    def _accepted(cls) -> str:
        return ", ".join("%s=%r" % (k, v) for k, v in sorted(cls._mapping.items()))

    @classmethod
    def as_string(cls, mapping_id: int) -> str:
        # bool is an int subclass: refuse it rather than read True as 1
        if not isinstance(mapping_id, bool):
            try:
                return cls._mapping[mapping_id]
            except (KeyError, TypeError):
                pass
        raise ValueError(
            "%s: unknown id %r; accepted: %s"
            % (cls.__name__, mapping_id, cls._accepted())
        )

    @classmethod
    def from_string(cls, name: str) -> int:
        try:
            return cls._reverse[name]
        except (KeyError, TypeError):
            raise ValueError(
                "%s: unknown value %r; accepted: %s"
                % (cls.__name__, name, ", ".join(repr(n) for n in cls.options()))
            ) from None

    @classmethod
    def options(cls) -> list[str]:
        return [cls._mapping[k] for k in sorted(cls._mapping)]


# ==============================================================================
# ACME statuses
#
# RFC 8555 statuses plus internal markers, written between asterisks so they can
# never be confused with a status a server sent:
#   *discovered*  the URL is known but the resource was never fetched
#   *404*         the server says the resource does not exist (pebble restarts)
#   *406*         the server sent a status we do not track
#   *410*         gone: the challenge is no longer listed by its authorization


class _Acme_Status(_Mapping):
    X_406_X = 406

    @classmethod
    def from_string_or_unknown(cls, name: str) -> int:
        """Map a status string sent by an ACME server.

        Statuses this object does not track (and anything looking like one of
        our internal markers) become ``*406*`` instead of raising, so one odd
        server reply is recorded rather than breaking a sync.
        """
        if isinstance(name, str) and not name.startswith("*") and name in cls._reverse:
            return cls._reverse[name]
        return cls.X_406_X


class Acme_Status_Authorization(_Acme_Status):
    """RFC 8555 7.1.6: pending -> valid|invalid; valid -> expired|deactivated|revoked."""

    DISCOVERED = 0
    PENDING = 1
    VALID = 2
    INVALID = 3
    DEACTIVATED = 4
    EXPIRED = 5
    REVOKED = 6
    X_404_X = 404
    X_406_X = 406

    _mapping = {
        0: "*discovered*",
        1: "pending",
        2: "valid",
        3: "invalid",
        4: "deactivated",
        5: "expired",
        6: "revoked",
        404: "*404*",
        406: "*406*",
    }

    OPTIONS_DEACTIVATE = ("pending", "*discovered*")
    OPTIONS_POSSIBLY_PENDING = ("pending", "*discovered*")
    OPTIONS_TRIGGER = ("pending",)
    OPTIONS_X_UPDATE = ("*404*",)


class Acme_Status_Challenge(_Acme_Status):
    """RFC 8555 7.1.6: pending -> processing -> valid|invalid."""

    DISCOVERED = 0
    PENDING = 1
    VALID = 2
    INVALID = 3
    PROCESSING = 7
    X_404_X = 404
    X_406_X = 406
    GONE_410 = 410

    _mapping = {
        0: "*discovered*",
        1: "pending",
        2: "valid",
        3: "invalid",
        7: "processing",
        404: "*404*",
        406: "*406*",
        410: "*410*",
    }

    OPTIONS_POSSIBLY_ACTIVE = ("*discovered*", "pending", "processing")
    OPTIONS_RESOLVED = ("valid", "invalid")
    OPTIONS_PROCESSING = ("processing",)
    OPTIONS_INACTIVE = ("valid", "invalid", "*404*", "*410*")
    OPTIONS_TRIGGER = ("pending",)
    OPTIONS_DEACTIVATE = ("pending", "*discovered*")


class Acme_Status_Order(_Acme_Status):
    """RFC 8555 7.1.6: pending -> ready -> processing -> valid; any -> invalid.

    ``deactivated`` (999) is not an RFC order status: pebble and boulder have
    reported orders as "deactivated" where the RFC says "invalid"
    (letsencrypt/pebble#300, letsencrypt/boulder#4887), so it is tracked and
    treated like ``invalid``.
    """

    DISCOVERED = 0
    PENDING = 1
    VALID = 2
    INVALID = 3
    PROCESSING = 7
    READY = 8
    X_404_X = 404
    X_406_X = 406
    GONE_410 = 410
    DEACTIVATED = 999

    _mapping = {
        0: "*discovered*",
        1: "pending",
        2: "valid",
        3: "invalid",
        7: "processing",
        8: "ready",
        404: "*404*",
        406: "*406*",
        410: "*410*",
        999: "deactivated",
    }

    OPTIONS_ACTIVE = ("pending", "ready", "processing")
    OPTIONS_FINISHED = ("invalid", "valid")
    # orders in these statuses can not be processed any further
    OPTIONS_INACTIVE = ("valid", "invalid", "*404*", "*406*", "*410*")
    # an order in these statuses blocks new orders for its domains
    OPTIONS_BLOCKING = ("pending",)
    OPTIONS_PROCESS = ("pending", "ready")
    OPTIONS_FINALIZE = ("ready",)
    OPTIONS_RENEW = ("valid", "ready", "*404*")
    OPTIONS_RETRY = ("invalid", "*404*", "*406*", "deactivated")
    # syncing into one of these flips `AcmeOrder.is_processing` from True to NULL
    OPTIONS_UPDATE_DEACTIVATE = ("invalid", "*404*", "*406*", "deactivated")
    # "X_": the action is NOT available in these statuses
    OPTIONS_X_MARK_INVALID = ("invalid", "valid", "*404*", "deactivated")
    OPTIONS_X_DEACTIVATE_AUTHORIZATIONS = ("*404*",)
    OPTIONS_X_ACME_SYNC = ("*404*",)
    OPTIONS_POTENTIAL_FINALIZE = ("pending", "ready")
    # "valid" is left out on purpose: a valid order downloads through its certificate_url
    OPTIONS_POTENTIAL_CERTIFICATE_DOWNLOAD = ("pending", "ready", "processing")


# ==============================================================================
# AcmeOrder pipeline


class AcmeOrder_ProcessingStatus(_Mapping):
    """Our own progress through an order, independent of the ACME status."""

    CREATED_LOCAL = 1
    CREATED_ACME = 2
    PROCESSING_STARTED = 3
    PROCESSING_COMPLETED_SUCCESS = 4
    PROCESSING_COMPLETED_FAILURE = 5
    ORDER_FINALIZED = 6
    CERTIFICATE_DOWNLOADED = 7
    PROCESSING_DEACTIVATED = 8

    _mapping = {
        1: "created_local",
        2: "created_acme",
        3: "processing_started",
        4: "processing_completed_success",
        5: "processing_completed_failure",
        6: "order_finalized",
        7: "certificate_downloaded",
        8: "processing_deactivated",
    }

    # challenges may only be triggered while the order is in one of these
    OPTIONS_CAN_PROCESS_CHALLENGES = ("created_acme", "processing_started")


class AcmeOrder_ProcessingStrategy(_Mapping):
    CREATE_ORDER = 1  # only create the order on the server
    PROCESS_SINGLE = 2  # create, answer every challenge, finalize, download: one call
    PROCESS_MULTI = 3  # create; the operator then calls acme-process step by step

    _mapping = {
        1: "create_order",
        2: "process_single",
        3: "process_multi",
    }


class AcmeOrderType(_Mapping):
    """How an AcmeOrder came to be."""

    ACME_AUTOMATED_NEW = 1
    ACME_AUTOMATED_RETRY = 2
    ACME_AUTOMATED_RENEW_QUICK = 3
    ACME_AUTOMATED_RENEW_CUSTOM = 4
    ACME_AUTOMATED_NEW__CIN = 5  # CIN = certificate-if-needed API
    ACME_AUTOMATED_NEW__AUTOCERT = 6
    QUEUE_CERTIFICATE = 11
    QUEUE_DOMAINS = 12

    _mapping = {
        1: "ACME Automated (New)",
        2: "ACME Automated (Retry)",
        3: "ACME Automated (Renew Quick)",
        4: "ACME Automated (Renew Custom)",
        5: "ACME Automated (New - Certificate if Needed)",
        6: "ACME Automated (New - Autocert)",
        11: "Queue - Certificate Renewal",
        12: "Queue - Domains",
    }


# ==============================================================================
# ACME accounts, challenges, events


class AcmeAccountKeySource(_Mapping):
    GENERATED = 1
    IMPORTED = 2

    _mapping = {
        1: "generated",
        2: "imported",
    }


class AcmeChallengeType(_Mapping):
    HTTP_01 = 1
    DNS_01 = 2
    TLS_ALPN_01 = 3

    _mapping = {
        1: "http-01",
        2: "dns-01",
        3: "tls-alpn-01",
    }

    DEFAULT = "http-01"


class AcmeChallengeFailType(_Mapping):
    SETUP_PREVALIDATION = 1
    UPSTREAM_VALIDATION = 2

    _mapping = {
        1: "setup-prevalidation",
        2: "upstream-validation",
    }


class AcmeEvent(_Mapping):
    """``AcmeEventLog.acme_event_id``: which ACME exchange a log row records.

    Names starting with "-" are not directory endpoints but calls on a resource
    URL. Ids 1-3 belonged to the retired ACME v1 client and are not reused.
    """

    NEW_ACCOUNT = 4
    NEW_ORDER = 5
    AUTHORIZATION_REQUEST = 6
    CHALLENGE_TRIGGER = 7
    ORDER_FINALIZE = 8
    ORDER_LOCATION = 9
    CHALLENGE_PASS = 10
    CHALLENGE_FAIL = 11
    CERTIFICATE_PROCURED = 12  # downloaded and enrolled
    CHALLENGE_POST_AS_GET = 13
    AUTHORIZATION_DEACTIVATE = 14
    ACCOUNT_DEACTIVATE = 15
    KEY_CHANGE = 16
    REVOKE_CERT = 17
    ACCOUNT_UPDATE = 18
    NEW_NONCE = 19
    DIRECTORY = 20
    ORDER_POST_AS_GET = 21
    CERTIFICATE_DOWNLOAD = 22
    RENEWAL_INFO = 23  # RFC 9773 (ARI)

    _mapping = {
        4: "v2|newAccount",
        5: "v2|newOrder",
        6: "v2|-authorization-request",
        7: "v2|-challenge-trigger",
        8: "v2|Order-finalize",
        9: "v2|-order-location",
        10: "v2|-challenge-pass",
        11: "v2|-challenge-fail",
        12: "v2|Certificate-procured",
        13: "v2|-challenge-PostAsGet",
        14: "v2|-authorization-deactivate",
        15: "v2|Account-deactivate",
        16: "v2|keyChange",
        17: "v2|revokeCert",
        18: "v2|Account-update",
        19: "v2|newNonce",
        20: "v2|directory",
        21: "v2|-order-PostAsGet",
        22: "v2|Certificate-download",
        23: "v2|renewalInfo",
    }


# ==============================================================================
# Certificates and keys


class CertificateRequestSource(_Mapping):
    IMPORTED = 1  # an uploaded CSR, recorded as is
    ACME_ORDER = 2  # made by us to finalize an AcmeOrder

    _mapping = {
        1: "imported",
        2: "acme_order",
    }


class KeyTechnology(_Mapping):
    RSA = 1
    EC = 2  # ECDSA

    _mapping = {
        1: "RSA",
        2: "EC",
    }

    DEFAULT_ACME_ACCOUNT = "RSA"
    DEFAULT_GLOBAL_KEY = "RSA"


class PrivateKeyCycle(_Mapping):
    """How the PrivateKey of a renewal is chosen."""

    SINGLE_CERTIFICATE = 1
    ACCOUNT_DAILY = 2
    GLOBAL_DAILY = 3
    ACCOUNT_WEEKLY = 4
    GLOBAL_WEEKLY = 5
    ACCOUNT_KEY_DEFAULT = 6  # defer to the AcmeAccount's own cycle

    _mapping = {
        1: "single_certificate",
        2: "account_daily",
        3: "global_daily",
        4: "account_weekly",
        5: "global_weekly",
        6: "account_key_default",
    }

    # an account cannot defer to itself, so it may not choose account_key_default
    OPTIONS_ACME_ACCOUNT = (
        "single_certificate",
        "account_daily",
        "global_daily",
        "account_weekly",
        "global_weekly",
    )
    OPTIONS_ACME_ORDER = OPTIONS_ACME_ACCOUNT + ("account_key_default",)

    DEFAULT_ACME_ACCOUNT = "single_certificate"
    DEFAULT_ACME_ORDER = "account_key_default"
    DEFAULT_SYSTEM_RENEWAL = "single_certificate"


class PrivateKeySource(_Mapping):
    PLACEHOLDER = 0  # the seeded row id 0 only
    GENERATED = 1
    IMPORTED = 2

    _mapping = {
        0: "placeholder",
        1: "generated",
        2: "imported",
    }


class PrivateKeyStrategy(_Mapping):
    """How an AcmeOrder gets its PrivateKey."""

    SPECIFIED = 1
    DEFERRED_GENERATE = 2  # generate a new key at finalize
    DEFERRED_ASSOCIATE = 3  # use the daily/weekly/account key current at finalize
    BACKUP = 4  # the intended key was unusable; a new one was made instead

    _mapping = {
        1: "specified",
        2: "deferred-generate",
        3: "deferred-associate",
        4: "backup",
    }

    DEFAULT_SYSTEM_RENEWAL = "deferred-generate"


class PrivateKeyType(_Mapping):
    PLACEHOLDER = 0
    STANDARD = 1
    SINGLE_CERTIFICATE = 2
    GLOBAL_DAILY = 3
    GLOBAL_WEEKLY = 4
    ACCOUNT_DAILY = 5
    ACCOUNT_WEEKLY = 6

    _mapping = {
        0: "placeholder",
        1: "standard",
        2: "single_certificate",
        3: "global_daily",
        4: "global_weekly",
        5: "account_daily",
        6: "account_weekly",
    }

    OPTIONS_CALENDAR = ("global_daily", "global_weekly", "account_daily", "account_weekly")
    OPTIONS_CALENDAR_DAILY = ("global_daily", "account_daily")
    OPTIONS_CALENDAR_WEEKLY = ("global_weekly", "account_weekly")


# ==============================================================================
# Operations log


class CoverageAssuranceEventType(_Mapping):
    """What endangers the coverage of some names (``CoverageAssuranceEvent``).

    The ids of the 2021 design are kept (5 and 6, account keys revoked, are not raised
    here: an account key is not a certificate's coverage); 7 was raised by the queue for
    a missing account, here by ``update`` for a certificate with no usable account.
    """

    _mapping = {
        1: "PrivateKey_compromised_mark",
        2: "PrivateKey_compromised_acme",
        3: "CertificateSigned_revoked_mark",
        4: "CertificateSigned_revoked_acme",
        7: "CertificateSigned_no_usable_account",
        8: "CertificateSigned_expiring",
        9: "QueueCertificate_renewal_failed",
    }
    OPTIONS_PRIVATE_KEY_COMPROMISED = ("PrivateKey_compromised_mark", "PrivateKey_compromised_acme")


class CoverageAssuranceEventStatus(_Mapping):
    """Where an event stands; follows its resolution (``coverage.RESOLUTION_STATUS``)."""

    _mapping = {
        1: "reported",
        2: "reported+deactivated",  # reported, and the certificates concerned were deactivated
        3: "resolved-ignored",
        4: "resolved-replaced",
    }


class CoverageAssuranceResolution(_Mapping):
    _mapping = {
        1: "unresolved",
        2: "abandoned",
        3: "PrivateKey_replaced",
        4: "CertificateSigned_replaced",
    }
    UNRESOLVED = 1


class NotificationChannel(_Mapping):
    _mapping = {1: "webhook", 2: "email"}


class NotificationStatus(_Mapping):
    _mapping = {1: "pending", 2: "sent", 3: "failed"}
    PENDING = 1
    SENT = 2
    FAILED = 3


class OperationsEventType(_Mapping):
    """Types of ``OperationsEvent`` and statuses of ``OperationsObjectEvent``.

    One mapping serves both (``OperationsObjectEventStatus`` is an alias).
    Each name is also a class attribute holding its id, so callers can write
    ``OperationsEventType.Domain__insert`` and a typo fails at once.
    """

    _mapping = {
        1: "_DatabaseInitialization",
        # AcmeAccount
        110: "AcmeAccount__insert",
        111: "AcmeAccount__create",
        112: "AcmeAccount__deactivate",
        113: "AcmeAccount__key_change",
        120: "AcmeAccount__authenticate",
        121: "AcmeAccount__check",
        130: "AcmeAccount__mark",
        131: "AcmeAccount__mark__active",
        132: "AcmeAccount__mark__inactive",
        133: "AcmeAccount__mark__default",
        134: "AcmeAccount__mark__notdefault",
        135: "AcmeAccount__edit",
        136: "AcmeAccount__edit__private_key_cycle",
        137: "AcmeAccount__edit_AcmeAccountKey",
        138: "AcmeAccount__edit__private_key_technology",
        139: "AcmeAccount__mark__deactivated",
        # AcmeAccountKey
        150: "AcmeAccountKey__insert",
        151: "AcmeAccountKey__create",
        152: "AcmeAccountKey__mark__inactive",
        # CertificateCA, CertificateCAChain
        210: "CertificateCA__insert",
        230: "CertificateCAChain__insert",
        # the preferred-CA list and root stores (issue 14: chains you prefer)
        250: "CertificateCAPreference__add",
        251: "CertificateCAPreference__delete",
        252: "CertificateCAPreference__prioritize",
        260: "RootStore__insert",
        # PrivateKey
        310: "PrivateKey__insert",
        311: "PrivateKey__generate",
        320: "PrivateKey__mark",
        321: "PrivateKey__mark__active",
        322: "PrivateKey__mark__inactive",
        323: "PrivateKey__mark__compromised",
        324: "PrivateKey__mark__default",
        325: "PrivateKey__mark__notdefault",
        330: "PrivateKey__revoke",
        340: "PrivateKey__insert_autogenerated_calendar",
        # Domain
        410: "Domain__insert",
        420: "Domain__mark",
        421: "Domain__mark__active",
        422: "Domain__mark__inactive",
        # the blocklist (docs/Blocklist.md): a name added, a name removed
        440: "DomainBlocklisted__insert",
        441: "DomainBlocklisted__delete",
        # UniqueFQDNSet
        510: "UniqueFQDNSet__insert",
        # CertificateRequest
        610: "CertificateRequest__insert",
        620: "CertificateRequest__new",
        621: "CertificateRequest__new__imported",
        630: "CertificateRequest__new__acme_order",
        # AcmeOrder
        640: "AcmeOrder_New_Automated",
        650: "AcmeOrder_New_Retry",
        651: "AcmeOrder_Renew_Custom",
        652: "AcmeOrder_Renew_Quick",
        661: "AcmeOrder__mark__renew_auto",
        662: "AcmeOrder__mark__renew_manual",
        663: "AcmeOrder__mark__invalid",
        664: "AcmeOrder__mark__deactivate",
        670: "AcmeOrder__acme_server__sync",
        671: "AcmeOrder__acme_process",
        672: "AcmeOrder__acme_finalize",
        673: "AcmeOrder__acme_server__download_certificate",
        674: "AcmeOrder__acme_server__deactivate_authorizations",
        675: "AcmeOrder__acme_server__sync_authorizations",
        676: "AcmeOrder__failure",
        677: "AcmeOrder__http01_selfcheck",  # before an order: its names answered a probe, or not
        678: "AcmeOrder__dns01_published",  # an order's dns-01 records are visible (issue 13)
        679: "AcmeOrder__dns01_withdrawn",  # ... and removed again once validated
        680: "AcmeAuthorization__acme_server__sync",
        681: "AcmeAuthorization__acme_server__deactivate",
        685: "AcmeChallenge__acme_server__sync",
        686: "AcmeChallenge__acme_server__trigger",
        # CertificateSigned
        710: "CertificateSigned__insert",
        720: "CertificateSigned__mark",
        721: "CertificateSigned__mark__active",
        722: "CertificateSigned__mark__inactive",
        723: "CertificateSigned__mark__revoked",
        724: "CertificateSigned__mark__compromised",  # its PrivateKey is compromised
        726: "CertificateSigned__mark__unrevoked",
        727: "CertificateSigned__mark__renew_auto",
        728: "CertificateSigned__mark__renew_manual",
        740: "CertificateSigned__revoke",
        751: "CertificateSigned__deactivate_expired",
        752: "CertificateSigned__deactivate_duplicate",
        # QueueDomain
        810: "QueueDomain__add",
        811: "QueueDomain__add__success",
        812: "QueueDomain__add__already_queued",
        813: "QueueDomain__add__already_exists",
        814: "QueueDomain__add__already_exists_activate",
        815: "QueueDomain__add__domain_blocklisted",
        820: "QueueDomain__process",
        821: "QueueDomain__process__success",
        822: "QueueDomain__process__fail",
        830: "QueueDomain__mark",
        831: "QueueDomain__mark__cancelled",
        832: "QueueDomain__mark__already_processed",
        # QueueCertificate
        910: "QueueCertificate__insert",
        920: "QueueCertificate__update",
        921: "QueueCertificate__batch",
        922: "QueueCertificate__update__no_account",
        930: "QueueCertificate__mark",
        931: "QueueCertificate__mark__cancelled",
        940: "QueueCertificate__process",
        941: "QueueCertificate__process__success",
        942: "QueueCertificate__process__fail",
        943: "QueueCertificate__process__deferred",  # the CA's rate limits: back to waiting until later
        # operations
        1002: "operations__update_recents__global",
        1003: "operations__update_recents__domains",
        1005: "operations__redis_prime",
        1006: "operations__nginx_cache_expire",
        1007: "operations__nginx_cache_flush",
        1008: "operations__reconcile_cas",
        1009: "operations__edge_update__fail",  # a withdrawal's Redis/nginx follow-up failed
        1020: "operations__outside_service__fail",  # an admin page's ACME/Redis/DNS server was unreachable
        # CoverageAssuranceEvent and its notifications (issue 12)
        1200: "CoverageAssuranceEvent__mark_resolution",
        1201: "CoverageAssuranceEvent__insert",
        1202: "CoverageAssuranceEvent__resolve_replaced",
        1210: "Notification__deliver",
        # AcmeAccountProvider
        1100: "AcmeAccountProvider__activate_default",
        1101: "AcmeAccountProvider__mark__is_enabled",
        1102: "AcmeAccountProvider__insert",  # an imported account's unknown ACME server
        # acme-dns (issue 13; the 2021 ids)
        1300: "AcmeDnsServer__insert",
        1301: "AcmeDnsServer__mark",
        1302: "AcmeDnsServer__mark__active",
        1303: "AcmeDnsServer__mark__inactive",
        1304: "AcmeDnsServer__mark__default",
        1305: "AcmeDnsServer__mark__notdefault",
        1306: "AcmeDnsServer__edit",
        1307: "AcmeDnsServer__check",
        1400: "AcmeDnsServerAccount__insert",
        1401: "AcmeDnsServerAccount__import",
        1402: "AcmeDnsServerAccount__update_txt",
        1403: "AcmeDnsServerAccount__mark__active",
        1404: "AcmeDnsServerAccount__mark__inactive",
        # the ACME-flow tool (AcmeOrderless)
        1510: "AcmeOrderless__insert",
        1511: "AcmeOrderless__add_challenge",
        1512: "AcmeOrderless__update",
        1513: "AcmeOrderless__deactivate",
        # API
        2001: "ApiDomains__enable",
        2002: "ApiDomains__disable",
        2010: "ApiDomains__certificate_if_needed",
        2011: "ApiDomains__certificate_if_needed__domain_exists",
        2012: "ApiDomains__certificate_if_needed__domain_activate",
        2013: "ApiDomains__certificate_if_needed__domain_new",
        2015: "ApiDomains__certificate_if_needed__certificate_exists",
        2016: "ApiDomains__certificate_if_needed__certificate_new_success",
        2017: "ApiDomains__certificate_if_needed__certificate_new_fail",
        2020: "ApiDomains__autocert",
        2021: "ApiDomains__autocert__success",
        2022: "ApiDomains__autocert__fail",
        2023: "ApiDomains__autocert__abandoned",
    }


for _id, _name in OperationsEventType._mapping.items():
    setattr(OperationsEventType, _name, _id)
del _id, _name

OperationsObjectEventStatus = OperationsEventType
