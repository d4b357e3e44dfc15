"""Reading what a page says in its head: link and meta tags, and JSON-LD blocks."""

from html.parser import HTMLParser


class HeadTags(HTMLParser):
    """The <link> and <meta> tags and JSON-LD blocks of a page."""

    def __init__(self, html):
        super().__init__()
        self.links, self.metas, self.json_ld = [], [], []
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "meta":
            self.metas.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data

    def canonical(self):
        hrefs = [link["href"] for link in self.links if link.get("rel") == "canonical"]
        assert len(hrefs) <= 1, hrefs
        return hrefs[0] if hrefs else None

    def properties(self, name):
        """Every value of the meta tag `name` (property="og:…" or name="twitter:…")."""
        return [
            meta["content"]
            for meta in self.metas
            if meta.get("property") == name or meta.get("name") == name
        ]

    def property(self, name):
        values = self.properties(name)
        assert len(values) == 1, f"{name}: {values}"
        return values[0]
