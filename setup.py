import os

from setuptools import find_packages
from setuptools import setup

HERE = os.path.abspath(os.path.dirname(__file__))
with open(os.path.join(HERE, "README.md")) as f:
    long_description = f.read()

requires = [
    "alembic>=1.12,<2",
    "bcrypt>=4.0,<6",
    "colander>=2.0,<3",
    "cryptography>=41,<50",
    # the http-01 self-check's resolver (http01_selfcheck_resolver)
    "dnspython>=2.6,<3",
    "Mako>=1.2,<2",
    "PasteDeploy>=3.0,<4",
    "psycopg[binary]>=3.1,<4",
    # the CA's per-registered-domain rate limit: the Public Suffix List, bundled (no network at run time)
    "publicsuffixlist>=1.0,<2",
    "pyramid>=2.0,<3",
    "pyramid_mako>=1.1,<2",
    "prometheus_client>=0.17,<1",
    "pyramid_tm>=2.5,<3",
    "redis>=5,<8",
    # redis-py packs commands and parses replies in C with it: a Redis prime writes twice as fast
    "hiredis>=2.0,<4",
    "requests>=2.31,<3",
    "SQLAlchemy>=2.0.20,<2.1",
    "transaction>=4,<6",
    "waitress>=3.0,<4",
    "zope.sqlalchemy>=3.1,<5",
]

# tools/tasks.py (the certbot imports against a running server) runs under invoke
tools_requires = [
    "invoke>=2.2,<3",
]

# bench/bench.py (make bench): certbot is the peer its issuance figures are measured against, on
# the same pebble; the test suite runs a small version of every benchmark (tests/tools/test_bench.py)
bench_requires = [
    "certbot>=2.0,<7",
]

testing_requires = tools_requires + bench_requires + [
    # tests/lib/test_notify.py: a real SMTP server on loopback (STARTTLS, AUTH)
    "aiosmtpd>=1.4,<2",
    # tests/web/test_hostile_input.py: hostile values for every form route
    "hypothesis>=6.100,<7",
    # tests/ui/ and tools/screenshots.py: the admin in Debian's chromium (the wheel carries the
    # driver; Playwright's own browser download is never used)
    "playwright>=1.45,<2",
    # tests/web/test_ui_forms.py: every admin page parsed by a spec-conforming HTML5 parser
    "html5lib>=1.1,<2",
    "pytest>=8,<10",
    "WebTest>=3.0,<4",
]

setup(
    name="peter_sslers",
    version="0.6.0.dev0",
    description="A certificate manager for many domains on many machines: ACME v2 client, web admin and JSON API",
    long_description=long_description,
    long_description_content_type="text/markdown",
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: Pyramid",
        "Topic :: Internet :: WWW/HTTP :: WSGI :: Application",
        "Topic :: Security :: Cryptography",
    ],
    license="MIT",
    packages=find_packages(include=["peter_sslers", "peter_sslers.*"]),
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.10",
    install_requires=requires,
    extras_require={"testing": testing_requires, "tools": tools_requires, "bench": bench_requires},
    entry_points={
        "paste.app_factory": ["main = peter_sslers:main"],
        "console_scripts": [
            "initialize_peter_sslers_db = peter_sslers.scripts.initializedb:main",
            "disable_acme_account_providers = peter_sslers.scripts.disable_acme_account_providers:main",
            "peter_sslers_job = peter_sslers.scripts.jobs:main",
            "peter_sslers_prequest = peter_sslers.scripts.prequest:main",
            "peter_sslers_import_certbot = peter_sslers.scripts.import_certbot:main",
            "peter_sslers_admin_auth = peter_sslers.web.security:main",
        ],
    },
)
