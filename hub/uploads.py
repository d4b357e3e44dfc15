"""Where the hub takes uploaded files: only the admin's entry import, and only up to
IMPORT_MAX_BYTES. The first of FILE_UPLOAD_HANDLERS (hub/settings.py), so every other
request carrying a file is refused (400) before any of it is stored, and an oversized import
is dropped as it arrives rather than written to disk.
"""

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.urls import reverse

# The request attribute a view reads to tell "no file" from "a file too large to keep".
TOO_LARGE_ATTRIBUTE = "upload_too_large"


def upload_limits():
    """{path: the largest file it takes, in bytes}."""
    return {reverse("admin:resources_entry_import"): settings.IMPORT_MAX_BYTES}


def upload_was_too_large(request):
    return getattr(request, TOO_LARGE_ATTRIBUTE, False)


class UploadGate(FileUploadHandler):
    """Refuses files sent anywhere but a path of `upload_limits`, and skips one past its limit."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = upload_limits().get(self.request.path)
        if self.limit is None:
            raise TooManyFilesSent("This address takes no files.")

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            setattr(self.request, TOO_LARGE_ATTRIBUTE, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
