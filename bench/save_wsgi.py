"""The WSGI application of `bench/save.py --http-seconds`: Lens's, with the URLs of
bench/save_urls.py (Lens's own, a bare view and a minimal write), for gunicorn:

    gunicorn save_wsgi:application   (with bench/ and the repository on PYTHONPATH)
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lens.settings")
application = get_wsgi_application()
settings.ROOT_URLCONF = "save_urls"  # read on each request: the benchmark's URLs
