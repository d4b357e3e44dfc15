/* A digest's progress page in the admin: refresh the counts in place every few seconds
   while it is being sent, by fetching the same page and swapping in its #digest-progress.
   Without JavaScript the page's "Reload" link does the same. Stops once the page says the
   issue is finished (data-finished), or at the first error. */
"use strict";

(function () {
    const region = document.getElementById("digest-progress");
    if (!region || region.hasAttribute("data-finished")) {
        return;
    }
    const seconds = Number(region.dataset.refreshSeconds) || 5;

    async function refresh() {
        try {
            const response = await fetch(window.location.href, {
                credentials: "same-origin",
                headers: { Accept: "text/html" },
            });
            if (!response.ok) {
                return;
            }
            const page = new DOMParser().parseFromString(await response.text(), "text/html");
            const fresh = page.getElementById("digest-progress");
            if (!fresh) {
                return;
            }
            region.replaceChildren(...fresh.childNodes);
            if (fresh.hasAttribute("data-finished")) {
                region.setAttribute("data-finished", "");
                return;
            }
            window.setTimeout(refresh, seconds * 1000);
        } catch (error) {
            // Offline or signed out: leave the counts as they are; the reload link remains.
        }
    }

    window.setTimeout(refresh, seconds * 1000);
})();
