"""The one rule by which the authors field is read into people and organisations."""

from types import SimpleNamespace

import pytest

from resources.authors import Name, initials, parse_authors, people_of


def people(text, organisations=()):
    """(family, given) per person and the organisation's name per organisation."""
    return [
        name.organisation or (name.family, name.given)
        for name in parse_authors(text, organisations)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smith J, Jones K, Lee M", [("Smith", "J"), ("Jones", "K"), ("Lee", "M")]),
        (" Smith J ;Jones K,, Lee M ", [("Smith", "J"), ("Jones", "K"), ("Lee", "M")]),
        ("Smith J, Jones K and Lee M", [("Smith", "J"), ("Jones", "K"), ("Lee", "M")]),
        ("Smith J, Jones K, and Lee M", [("Smith", "J"), ("Jones", "K"), ("Lee", "M")]),
        ("Jane Smith & Ali Khan", [("Smith", "Jane"), ("Khan", "Ali")]),
        ("", []),
    ],
)
def test_commas_and_semicolons_separate_people_and_and_joins_the_last(text, expected):
    assert people(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Julie Billsborough et al.", "Julie Billsborough, et al", "Julie Billsborough and others"],
)
def test_a_final_et_al_is_not_a_name_but_says_more_people_made_it(text):
    credits = parse_authors(text)
    assert people(text) == [("Billsborough", "Julie")]
    assert credits.et_al


def test_a_list_without_et_al_is_complete():
    assert not parse_authors("Smith J, Jones K").et_al


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amy Semple (project manager)", [("Semple", "Amy")]),
        ("Julie Repper (with Becky Aldridge, Sharon Gilfoyle)", [("Repper", "Julie")]),
        ("Smith J, Jones K (eds)", [("Smith", "J"), ("Jones", "K")]),
        ("Smith J [lead author], Jones K", [("Smith", "J"), ("Jones", "K")]),
        ("Smith J, Jones K, eds.", [("Smith", "J"), ("Jones", "K")]),
    ],
)
def test_notes_in_parentheses_and_roles_are_not_names(text, expected):
    assert people(text) == expected


@pytest.mark.parametrize(
    ("written", "family", "given"),
    [
        ("Smith JA", "Smith", "JA"),
        ("Smith J.A.", "Smith", "J.A."),
        ("Smith J A", "Smith", "J A"),
        ("van der Berg J", "van der Berg", "J"),
        ("Lloyd-Evans B", "Lloyd-Evans", "B"),
        ("Jane Smith", "Smith", "Jane"),
        ("Mary A.M. Rogers", "Rogers", "Mary A.M."),
        ("C-L Dennis", "Dennis", "C-L"),
        ("D E Stewart", "Stewart", "D E"),
        ("S. Gillard", "Gillard", "S."),
        ("Anya de Iongh", "de Iongh", "Anya"),
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Anita Øgård-Repål", "Øgård-Repål", "Anita"),
        ("John Smith III", "Smith III", "John"),
    ],
)
def test_names_are_read_given_first_unless_initials_come_last(written, family, given):
    assert people(written) == [(family, given)]


def test_with_semicolons_a_comma_puts_the_family_name_first():
    assert people("Smith, Jane; Perez Algorta, Guillermo; van der Berg, J") == [
        ("Smith", "Jane"),
        ("Perez Algorta", "Guillermo"),
        ("van der Berg", "J"),
    ]


def test_with_semicolons_names_ending_in_initials_before_a_comma_are_still_two_people():
    assert people("Lloyd-Evans B, Mayo-Wilson E; Harrison B") == [
        ("Lloyd-Evans", "B"),
        ("Mayo-Wilson", "E"),
        ("Harrison", "B"),
    ]


@pytest.mark.parametrize(
    "organisation",
    [
        "Mind",
        "NHS England",
        "Mental Health Foundation",
        "Together for Mental Wellbeing",
        "Substance Abuse and Mental Health Services Administration",
        "Cochrane Consumers and Communication Group",
        "Positively UK",
        "The Cancer Council Victoria",
    ],
)
def test_organisations_are_one_author_never_split_or_turned_round(organisation):
    assert people(organisation) == [organisation]


def test_organisations_and_people_mix_in_one_list():
    assert people("Mental Health Foundation, Jane Smith, Mind") == [
        "Mental Health Foundation",
        ("Smith", "Jane"),
        "Mind",
    ]


def test_the_entry_s_organisation_stays_whole_even_with_commas_and_and():
    organisations = ["St George's, University of London", "Smith and Jones Partners"]
    text = "Smith J and St George's, University of London, Smith and Jones Partners"
    assert people(text, organisations) == [
        ("Smith", "J"),
        "St George's, University of London",
        "Smith and Jones Partners",
    ]


def test_without_authors_the_organisations_are_the_authors_split_on_semicolons():
    entry = SimpleNamespace(
        authors="", organisation="McPin Foundation; St George's, University of London"
    )
    assert [name.organisation for name in people_of(entry)] == [
        "McPin Foundation",
        "St George's, University of London",
    ]


def test_with_authors_the_organisation_is_not_an_author():
    entry = SimpleNamespace(authors="Jane Smith", organisation="Mind")
    assert list(people_of(entry)) == [Name(family="Smith", given="Jane")]


def test_a_person_is_filed_family_name_first_and_an_organisation_with_a_trailing_comma():
    assert Name(family="de Iongh", given="Anya").filed == "de Iongh, Anya"
    assert Name(organisation="Mind").filed == "Mind,"
    # Zotero would split at an inner comma, so the organisation's own commas go.
    assert (
        Name(organisation="St George's, University of London").filed
        == "St George's University of London,"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Jane", "J."),
        ("Jane Ann", "J. A."),
        ("JA", "J. A."),
        ("J.A.", "J. A."),
        ("Mary A.M.", "M. A. M."),
        ("C-L", "C.-L."),
        ("Jean-Paul", "J.-P."),
    ],
)
def test_given_names_shorten_to_initials_for_the_reference(given, expected):
    assert initials(given) == expected


@pytest.mark.parametrize(
    "text", ["(((", "a (b", ")", "et al.", ",,;;", "&", "and", "Smith, ", "; , and &", "J. A."]
)
def test_any_text_reads_without_error_into_named_authors(text):
    for name in parse_authors(text):
        assert name.organisation or (name.family and name.given)
    assert "and" not in [name.organisation for name in parse_authors(text)]
