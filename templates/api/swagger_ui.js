"use strict";
// Started by /api/v1/docs/ (api/docs.py): Swagger UI over the API's OpenAPI description.
window.ui = SwaggerUIBundle({
  url: "{{ schema_url|escapejs }}",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  ...{{ settings|safe }},
});
