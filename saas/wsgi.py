"""WSGI entry point for gunicorn (`gunicorn saas.wsgi:app`).

This is the one module that builds the application at import time: a WSGI server needs a
ready `app` object to import. Everything else calls `create_app()` itself.
"""

from saas import create_app

app = create_app()
