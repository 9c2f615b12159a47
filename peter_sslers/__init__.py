"""peter_sslers: a certificate manager for many domains on many machines."""


def main(global_config, **settings):
    """The WSGI application (the ``paste.app_factory`` entry point)."""
    # Imported here so that `import peter_sslers` stays cheap for tools and scripts.
    from pyramid.config import Configurator

    from .config import ApplicationSettings
    from .lib import cert_utils

    app_settings = ApplicationSettings.from_settings(settings)
    # the openssl fallback, used when `cryptography` cannot be imported
    cert_utils.configure(openssl_path=app_settings.openssl_path, openssl_path_conf=app_settings.openssl_path_conf)
    with Configurator(settings=settings) as config:
        config.registry.app_settings = app_settings
        # The ini pserve serves ([server:main] tells whether the admin listens beyond loopback).
        config.registry.global_config = dict(global_config or {})
        config.include(".web.database")
        config.include(".web")
        config.include(".web.routes")
        config.include(".web.startup")
    app = config.make_wsgi_app()
    if app_settings.gc_freeze:
        # what is loaded now lives as long as the process: the collector need not walk it again
        import gc

        gc.collect()
        gc.freeze()
    return app
