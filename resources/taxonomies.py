"""The taxonomies that classify entries, in one registry.

Every term of every taxonomy is a row of one `Term` table; its `taxonomy` column holds a
`Taxonomy.name` below. That name is also the listing parameter (`/evidence/?topic=carers`),
the name of the proxy model that gives curators a screen of its own (`Topic`), and, in the
plural, the field of the entry form and the key of `demo_data/taxonomy.json`. A new taxonomy
is one line here (plus its terms, and the migration `makemigrations` writes for its proxy).

Curators file entries under most taxonomies by tagging them. Outcomes are different: an
evidence entry is filed under an outcome by having a *finding* for it (what the study reports
for that outcome, and in which direction), so only kinds with findings have outcomes.
"""

from dataclasses import dataclass

from resources.kinds import kind_spec


@dataclass(frozen=True)
class Taxonomy:
    name: str
    label: str
    plural: str
    description: str
    # Entries are filed under its terms by their findings, not by tagging.
    from_findings: bool = False
    # Each term has an overview page at /<page_prefix>/<slug>/ (resources/term_pages.py).
    page_prefix: str = ""

    @property
    def model_name(self):
        """The proxy model's class name: `Topic`."""
        return self.label.title().replace(" ", "")

    def applies_to(self, kind):
        """Whether entries of `kind` (None: every kind, as on /search/) can have its terms."""
        return kind is None or not self.from_findings or kind_spec(kind).has_findings


TAXONOMIES = (
    Taxonomy(
        "topic",
        "Topic",
        "topics",
        "A health or care subject, such as mental health.",
        page_prefix="topics",
    ),
    Taxonomy(
        "approach",
        "Approach",
        "approaches",
        "A way peer support is delivered.",
        page_prefix="approaches",
    ),
    Taxonomy("audience", "Audience", "audiences", "Who an entry is written for."),
    Taxonomy("population", "Population", "populations", "A group of people an entry is about."),
    Taxonomy("region", "Region", "regions", "Where an entry applies: a nation, UK-wide or beyond."),
    Taxonomy(
        "outcome",
        "Outcome",
        "outcomes",
        "What a study measured, such as wellbeing or use of services.",
        from_findings=True,
    ),
)

TAXONOMIES_BY_NAME = {taxonomy.name: taxonomy for taxonomy in TAXONOMIES}

# The taxonomies curators tag entries with (every one but outcomes).
TAGGING_TAXONOMIES = tuple(taxonomy for taxonomy in TAXONOMIES if not taxonomy.from_findings)

# The taxonomies whose terms have overview pages: topics and approaches.
PAGED_TAXONOMIES = tuple(taxonomy for taxonomy in TAXONOMIES if taxonomy.page_prefix)
