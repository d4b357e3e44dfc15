"""/api/v1/docs/: Swagger UI over the OpenAPI description, under the site's strict CSP.

drf-spectacular's split view serves the page and its start-up script as two responses, so no
script is inline; these templates also move Swagger UI's inline style rules into a static file
and leave out the CSRF token (the API takes no writes), so the page sets no cookie and may be
kept by a shared cache like any public page. Swagger UI itself comes from
drf-spectacular-sidecar's static files: nothing is fetched from another origin.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    template_name_js = "api/swagger_ui.js"
