"""Static files, served by WhiteNoise from STATIC_ROOT, except the ones nobody should read.

`collectstatic` leaves the manifest (`staticfiles.json`) in STATIC_ROOT beside the files, and
WhiteNoise serves everything there. The manifest lists every static file the release has,
admin and API docs included: an inventory that helps nobody but someone probing the site, and
pages never link to it. It stays on disk, where Django reads it.
"""

from django.contrib.staticfiles.storage import staticfiles_storage
from whitenoise.middleware import WhiteNoiseMiddleware

# ManifestStaticFilesStorage's default name, for storages that have no manifest.
DEFAULT_MANIFEST_NAME = "staticfiles.json"


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise without the staticfiles manifest: its URL is a 404 like any unknown one."""

    def add_file_to_dictionary(self, url, path, stat_cache=None):
        # Each file WhiteNoise finds when it scans STATIC_ROOT at start-up.
        if not self.is_hidden(url):
            super().add_file_to_dictionary(url, path, stat_cache=stat_cache)

    def find_file(self, url):
        # With DEBUG (autorefresh) files are looked up on each request instead.
        return None if self.is_hidden(url) else super().find_file(url)

    def is_hidden(self, url):
        manifest = getattr(staticfiles_storage, "manifest_name", DEFAULT_MANIFEST_NAME)
        return url == f"{self.static_prefix}{manifest}"
