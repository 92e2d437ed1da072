"""WSGI entry point for `ordna serve` and any other WSGI server (gunicorn, uWSGI, mod_wsgi).

A setting Ordna cannot use stops the server with the same one sentence the `ordna` command prints, naming the
variable, instead of a traceback.
"""

import os
import sys

from django.core.wsgi import get_wsgi_application

from ordna.environment import SettingError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordna.settings")
try:
    application = get_wsgi_application()
except SettingError as exc:
    sys.stderr.write(f"ordna: configuration error: {exc}\n")
    raise SystemExit(2) from None
