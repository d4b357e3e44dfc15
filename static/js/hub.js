// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Listings: the filter panel is a <details>, folded on phones; open it beside the results
  // on wide screens. Without this script it is one click away.
  var wide = window.matchMedia("(min-width: 64em)");
  function openFiltersOnWideScreens() {
    document.querySelectorAll("details[data-open-on-wide]").forEach(function (details) {
      details.open = wide.matches;
    });
  }
  openFiltersOnWideScreens();
  wide.addEventListener("change", openFiltersOnWideScreens);

  // Listings: leave empty fields out of the query string, so shared URLs stay short
  // (?topic=carers rather than ?q=&topic=carers&year_min=&year_max=&sort=).
  document.querySelectorAll("form.listing__form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (field) {
        if (field.value === "") {
          field.disabled = true;
        }
      });
    });
  });
})();
