"""The browser policies as Chromium reads them (hub/security_headers.py)."""


def test_chromium_applies_the_permissions_policy_without_complaint(page):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto("/")
    allowed = page.evaluate(
        "features => features.map(f => document.featurePolicy.allowsFeature(f))",
        ["camera", "microphone", "geolocation", "payment", "usb", "clipboard-write"],
    )
    assert allowed == [False, False, False, False, False, True]
    # A feature name Chromium does not know would be reported on the console.
    assert not [text for text in messages if "Permissions-Policy" in text], messages


def test_chromium_keeps_the_host_prefixed_csrf_cookie(page):
    # Over HTTPS, and on http://localhost, which browsers count as secure (the live server).
    page.goto("/")
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert "__Host-csrftoken" in names
