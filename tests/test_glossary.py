"""The glossary (/glossary/): every term of every taxonomy, and what the evidence labels mean."""

import re

import pytest

from resources.kinds import (
    EVIDENCE_STRENGTH_DESCRIPTIONS,
    STUDY_DESIGN_DESCRIPTIONS,
    EvidenceStrength,
    StudyDesign,
)
from resources.models import DIRECTION_DESCRIPTIONS, DIRECTION_SYMBOLS, Direction, Term
from resources.taxonomies import TAXONOMIES
from tests.factories import (
    ApproachFactory,
    AudienceFactory,
    PopulationFactory,
    RegionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def glossary(client):
    response = client.get("/glossary/")
    assert response.status_code == 200
    return response.content.decode()


def section(html, section_id):
    """The HTML of the glossary section headed by the <h2> with `section_id`."""
    start = html.index(f'<section class="glossary__section" aria-labelledby="{section_id}">')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def terms():
    return {
        "topic": TopicFactory(name="Carers", description="People who *look after* someone."),
        "approach": ApproachFactory(name="Peer-led groups", description="Groups run by peers."),
        "audience": AudienceFactory(name="Commissioners", description="Who buys services."),
        "population": PopulationFactory(name="Older people"),
        "region": RegionFactory(name="Wales", description="The nation of Wales."),
        "outcome": Term.objects.create(
            taxonomy="outcome", name="Wellbeing", slug="wellbeing", description="How people feel."
        ),
    }


def test_the_glossary_has_one_heading_and_a_section_per_taxonomy(client, terms):
    html = glossary(client)
    assert html.count("<h1") == 1
    assert "<h1>Glossary</h1>" in html
    for taxonomy in TAXONOMIES:
        part = section(html, taxonomy.name)
        assert f'<h2 id="{taxonomy.name}">{taxonomy.plural.capitalize()}</h2>' in part
        assert taxonomy.description in part
        assert f'<a href="#{taxonomy.name}">' in html


def test_every_term_is_listed_under_its_taxonomy_with_its_description(client, terms):
    html = glossary(client)
    for name, term in terms.items():
        part = section(html, name)
        assert f">{term.name}</a></dt>" in part
    assert "<p>People who <em>look after</em> someone.</p>" in section(html, "topic")
    assert "How people feel." in section(html, "outcome")
    assert "No description yet." in section(html, "population")


def test_topics_and_approaches_link_to_their_pages_and_others_to_listings(client, terms):
    html = glossary(client)
    assert '<dt><a href="/topics/carers/">Carers</a></dt>' in html
    assert '<dt><a href="/approaches/peer-led-groups/">Peer-led groups</a></dt>' in html
    assert '<dt><a href="/search/?region=wales">Wales</a></dt>' in html
    assert '<dt><a href="/search/?outcome=wellbeing">Wellbeing</a></dt>' in html


def test_each_term_can_be_linked_to(client, terms):
    html = glossary(client)
    assert 'id="topic-carers"' in html
    assert 'id="outcome-wellbeing"' in html


def test_every_study_design_and_strength_is_explained(client):
    html = glossary(client)
    designs = section(html, "study-designs")
    for design in StudyDesign:
        assert f"<dt>{design.label}</dt>" in designs
        assert STUDY_DESIGN_DESCRIPTIONS[design] in designs
    strengths = section(html, "evidence-strength")
    for strength in EvidenceStrength:
        assert f"<dt>{strength.label}</dt>" in strengths
        assert EVIDENCE_STRENGTH_DESCRIPTIONS[strength] in strengths


def test_every_effect_direction_is_explained_with_its_symbol(client):
    directions = section(glossary(client), "effect-directions")
    assert '<h2 id="effect-directions">Effect directions</h2>' in directions
    for direction in Direction:
        symbol = DIRECTION_SYMBOLS[direction]
        assert (
            f'<dt><span class="direction-symbol direction-symbol--{direction.value}" '
            f'aria-hidden="true">{symbol}</span> {direction.label}</dt>'
        ) in directions
        assert DIRECTION_DESCRIPTIONS[direction] in directions


def test_an_empty_taxonomy_still_has_its_section(client):
    assert "None yet." in section(glossary(client), "region")


def test_html_in_descriptions_is_sanitised(client):
    TopicFactory(name="Carers", description="<script>alert(1)</script> <img src=x onerror=y>")
    html = glossary(client)
    assert "<script>alert" not in html
    assert "onerror" not in html


def test_the_glossary_runs_one_query_however_many_terms(client, django_assert_max_num_queries):
    TopicFactory.create_batch(2)
    with django_assert_max_num_queries(1) as few:
        glossary(client)
    TopicFactory.create_batch(20)
    ApproachFactory.create_batch(10)
    RegionFactory.create_batch(5)
    with django_assert_max_num_queries(1) as many:
        html = glossary(client)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert (
        len(re.findall(r'<div class="glossary__item" id="(?:topic|approach|region)-', html)) == 37
    )
