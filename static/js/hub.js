// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Listings: the filter panel is a <details>, folded on phones; open it beside the results
  // on wide screens. Without this script it is one click away. (The server opens it when a
  // filter needs correcting; that stays open.)
  var wide = window.matchMedia("(min-width: 64em)");
  var foldable = document.querySelectorAll("details[data-open-on-wide]");
  foldable.forEach(function (details) {
    if (wide.matches) {
      details.open = true;
    }
  });
  wide.addEventListener("change", function () {
    foldable.forEach(function (details) {
      details.open = wide.matches;
    });
  });

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

  // Detail pages: a "Copy reference" button where the browser lets scripts use the
  // clipboard; everywhere else the reference is plain text to select.
  if (navigator.clipboard && window.isSecureContext) {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy-target"));
      var status = button.parentElement.querySelector("[role=status]");
      button.parentElement.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(
          function () { status.textContent = "Reference copied."; },
          function () { status.textContent = "Could not copy: select the reference instead."; }
        );
      });
    });
  }
})();
