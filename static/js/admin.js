/* The curators' admin: give the type-to-search box of each autocomplete widget (select2) the
   name of its field, so screen readers announce it (WCAG 4.1.2); select2 leaves it unnamed.
   select2 starts after the document is ready, at a time of jQuery's choosing, and builds new
   boxes as terms are chosen: an observer names every box as soon as it appears. */
"use strict";

function searchBoxName(select) {
    const label = document.querySelector(`label[for="${select.id}"]`);
    return label ? `Search ${label.textContent.replace(/:\s*$/, "").trim().toLowerCase()}` : "";
}

function nameSearchBoxes() {
    for (const select of document.querySelectorAll("select.admin-autocomplete")) {
        const widget = select.nextElementSibling;
        const name = searchBoxName(select);
        if (!name || !widget || !widget.classList.contains("select2")) {
            continue;
        }
        for (const searchBox of widget.querySelectorAll(".select2-search__field")) {
            if (searchBox.getAttribute("aria-label") !== name) {
                searchBox.setAttribute("aria-label", name);
            }
        }
    }
}

if (document.querySelector("select.admin-autocomplete")) {
    nameSearchBoxes();
    // Setting an attribute is not a childList change, so naming never re-triggers itself.
    new MutationObserver(nameSearchBoxes).observe(document.body, { childList: true, subtree: true });
}
