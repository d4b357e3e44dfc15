"""Two browser policies Django has no setting for, sent on every response, static files too.

- `Permissions-Policy` switches off the powerful browser features the hub never uses (camera,
  microphone, geolocation, payment, USB…) for its pages and anything they could ever embed.
- `Cross-Origin-Resource-Policy: same-origin` stops other sites loading the hub's responses
  into their own pages with `<img>`, `<script>` and other "no-cors" loads (Spectre-style leaks,
  script inclusion). It does not apply to CORS requests, so the read API stays readable by
  `fetch()` from any origin (corsheaders), nor to servers: crawlers that build link previews
  fetch the share card server-side. A few files are meant to be shown by other sites, in the
  visitor's browser: the share card and icons that chat and note apps put beside a pasted
  link. Those (settings.CROSS_ORIGIN_SHARED_PATHS) are sent `cross-origin`.
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    """Add Permissions-Policy and Cross-Origin-Resource-Policy unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DISABLED
        )
        self.shared_paths = tuple(settings.CROSS_ORIGIN_SHARED_PATHS)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", self.resource_policy(request.path_info)
        )
        return response

    def resource_policy(self, path):
        """`cross-origin` for the files other sites may show, `same-origin` for the rest."""
        return "cross-origin" if path.startswith(self.shared_paths) else "same-origin"
