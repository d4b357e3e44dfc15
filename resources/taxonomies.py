"""The taxonomies that classify entries, in one registry.

Every term of every taxonomy is a row of one `Term` table; its `taxonomy` column holds a
`Taxonomy.name` below. That name is also the listing parameter (`/evidence/?topic=carers`),
the name of the proxy model that gives curators a screen of its own (`Topic`), and, in the
plural, the field of the entry form and the key of `demo_data/taxonomy.json`. A new taxonomy
is one line here (plus its terms, and the migration `makemigrations` writes for its proxy).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Taxonomy:
    name: str
    label: str
    plural: str
    description: str

    @property
    def model_name(self):
        """The proxy model's class name: `Topic`."""
        return self.label.title().replace(" ", "")


TAXONOMIES = (
    Taxonomy("topic", "Topic", "topics", "A health or care subject, such as mental health."),
    Taxonomy("approach", "Approach", "approaches", "A way peer support is delivered."),
    Taxonomy("audience", "Audience", "audiences", "Who an entry is written for."),
    Taxonomy("population", "Population", "populations", "A group of people an entry is about."),
    Taxonomy("region", "Region", "regions", "Where an entry applies: a nation, UK-wide or beyond."),
)

TAXONOMIES_BY_NAME = {taxonomy.name: taxonomy for taxonomy in TAXONOMIES}
