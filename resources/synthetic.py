"""Synthetic entries for load and scale tests: realistic-looking, reproducible, clearly marked.

Every synthetic entry has `is_synthetic=True`, a title starting "[Synthetic]", a summary that
says so, and (where it has one) a DOI under the reserved prefix `10.5555/synthetic.`. The same
seed and count give the same entries (titles, slugs, fields, taxonomy links and the findings of
synthetic studies) in any database holding the same taxonomy. Entries are inserted in batches
through resources/services.py, without history versions (they are load-test rows, not curated
work).
"""

import datetime
import random

from django.db import transaction

from resources.demo import TAXONOMY_KEYS, load_taxonomy, term_ids_by_slug
from resources.models import (
    Cost,
    Direction,
    Entry,
    EvidenceStrength,
    Finding,
    Kind,
    ResourceFormat,
    Status,
    StudyDesign,
    Term,
    ToolFormat,
)
from resources.services import (
    create_entries,
    delete_entries,
    refresh_planner_statistics,
    slug_from_title,
)

TITLE_MARK = "[Synthetic]"
DOI_PREFIX = "10.5555/synthetic."
BATCH_SIZE = 2000
# Published dates count back from a fixed day, not from today, so a seed always gives the same.
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
OLDEST_YEAR = 1998
NEWEST_YEAR = 2025

KIND_WEIGHTS = {Kind.EVIDENCE: 5, Kind.RESOURCE: 3, Kind.TOOL: 2}
STATUS_WEIGHTS = {Status.PUBLISHED: 90, Status.DRAFT: 5, Status.IN_REVIEW: 3, Status.ARCHIVED: 2}
# How many terms of each taxonomy an entry gets: (fewest, most); a taxonomy not named gets none.
TERMS_PER_ENTRY = {
    "topics": (1, 3),
    "approaches": (0, 3),
    "audiences": (0, 2),
    "populations": (0, 2),
    "regions": (0, 1),
}

# Word lists for titles and summaries; each phrase names the taxonomy term it is about (when
# the taxonomy has one) so that an entry's terms agree with its words.
APPROACHES = {
    "one-to-one": "one-to-one", "group": "groups", "online": "online", "telephone": "telephone",
    "peer-led self-management": "peer-led-self-management", "community": "community-programmes",
    "family": "family-peer-support", "befriending": "befriending", "mentoring": "peer-mentoring",
    "text-based": "online", "ward-based": "peer-worker-roles",
}  # fmt: skip
PEOPLE = {
    "adults with long-term conditions": ("topics", "long-term-conditions"),
    "young people": ("populations", "children-and-young-people"),
    "older people": ("populations", "older-people"),
    "unpaid carers": ("topics", "carers"),
    "new parents": ("populations", "new-and-expectant-parents"),
    "people using mental health services": ("topics", "mental-health"),
    "people living with HIV": ("topics", "hiv"),
    "people with type 2 diabetes": ("topics", "diabetes"),
    "people living with dementia": ("topics", "dementia"),
    "people with cancer": ("topics", "cancer"),
    "people leaving hospital": ("topics", "hospital-discharge"),
    "people in recovery from substance use": ("topics", "substance-use"),
    "people experiencing homelessness": ("populations", "people-experiencing-homelessness"),
    "LGBTQ+ young adults": ("populations", "lgbtq"),
    "autistic adults": ("topics", "disability"),
    "people with chronic pain": ("topics", "long-term-conditions"),
}  # fmt: skip
# Outcome phrases and the outcome term each is about: a synthetic study's first finding.
OUTCOME_TERMS = {
    "wellbeing": "wellbeing", "loneliness": "social-connection",
    "self-efficacy": "self-efficacy", "quality of life": "wellbeing",
    "hospital readmission": "service-use", "recovery": "personal-recovery",
    "hope": "personal-recovery", "empowerment": "personal-recovery",
    "glycaemic control": "physical-health", "depression scores": "symptoms",
    "medication adherence": "health-behaviour", "social connection": "social-connection",
    "service use": "service-use", "confidence to self-manage": "self-efficacy",
}  # fmt: skip
OUTCOMES = list(OUTCOME_TERMS)
# Findings per synthetic study, and how often each direction is reported.
FINDINGS_PER_STUDY = (0, 3)
DIRECTION_WEIGHTS = {
    Direction.POSITIVE: 50, Direction.MIXED: 18, Direction.NO_DIFFERENCE: 18,
    Direction.NEGATIVE: 4, Direction.INSUFFICIENT: 10,
}  # fmt: skip
PLACES = [
    "Northfield", "Ashby Vale", "Kelmoor", "Bramwick", "Easton Reach", "Glenridge",
    "Harlow Cross", "Millbeck", "Penrith Moor", "Stoneleigh", "Tarrant Bay", "Westover",
]  # fmt: skip
ORGANISATION_FORMS = [
    "{place} Peer Support Network", "{place} Mind", "{place} Carers Centre",
    "{place} Recovery College", "University of {place}", "{place} Health Partnership",
    "{place} Community Trust",
]  # fmt: skip
SURNAMES = [
    "Adebayo", "Bennett", "Chowdhury", "Davies", "Evans", "Fraser", "Ghosh", "Hughes",
    "Ibrahim", "Jones", "Kowalski", "Lewis", "MacLeod", "Nowak", "O'Brien", "Patel",
    "Quinn", "Roberts", "Singh", "Thomas", "Usman", "Walker", "Yilmaz", "Zhang",
]  # fmt: skip
JOURNALS = [
    "Journal of Peer Support Studies", "Synthetic Health Reports", "Community Care Research",
    "Mental Health Practice Review", "Chronic Illness and Society", "Evidence in Volunteering",
]  # fmt: skip
COUNTRIES = {
    "England": "england", "Scotland": "scotland", "Wales": "wales",
    "Northern Ireland": "northern-ireland", "International": "international",
    "Australia": "international",
}  # fmt: skip
LICENCES = ["CC BY 4.0", "CC BY-NC 4.0", "CC BY-SA 4.0", "All rights reserved", ""]

EVIDENCE_TITLES = [
    "{approach_cap} peer support for {people}: a {design}",
    "Does {approach} peer support improve {outcome} for {people}? A {design}",
    "Peer support and {outcome} among {people} in {place}: a {design}",
    "The effect of {approach} peer support on {outcome}: a {design}",
]
RESOURCE_TITLES = [
    "{approach_cap} peer support for {people}: a {format}",
    "Peer support for {people} in {place}: what we have learned",
    "Setting up {approach} peer support: a {format} for organisations",
    "{approach_cap} peer support and {outcome}: a {format}",
]
TOOL_TITLES = [
    "{place} {format} for {approach} peer support",
    "Measuring {outcome} in peer support for {people}: a {format}",
    "Peer support worker {format} for services working with {people}",
    "{approach_cap} peer support {format}",
]
DESIGN_PHRASES = {
    StudyDesign.SYSTEMATIC_REVIEW: "systematic review",
    StudyDesign.OTHER_REVIEW: "scoping review",
    StudyDesign.RCT: "randomised controlled trial",
    StudyDesign.QUASI_EXPERIMENTAL: "quasi-experimental study",
    StudyDesign.OBSERVATIONAL: "cohort study",
    StudyDesign.QUALITATIVE: "qualitative study",
    StudyDesign.MIXED_METHODS: "mixed methods study",
    StudyDesign.EVALUATION: "service evaluation",
    StudyDesign.OTHER: "case study",
}
RESOURCE_FORMAT_PHRASES = {
    ResourceFormat.GUIDE: "guide",
    ResourceFormat.REPORT: "report",
    ResourceFormat.TOOLKIT: "toolkit",
    ResourceFormat.VIDEO: "video",
    ResourceFormat.WEBSITE: "website",
    ResourceFormat.COURSE: "course",
    ResourceFormat.OTHER: "briefing",
}
TOOL_FORMAT_PHRASES = {
    ToolFormat.TEMPLATE: "template",
    ToolFormat.OUTCOME_MEASURE: "outcome measure",
    ToolFormat.EVALUATION_FRAMEWORK: "evaluation framework",
    ToolFormat.CHECKLIST: "checklist",
    ToolFormat.TRAINING: "training programme",
    ToolFormat.OTHER: "handbook",
}


class SeedAlreadyUsed(Exception):
    """Entries from this seed are already in the database: their slugs would collide."""


class EntryMaker:
    """Makes unsaved synthetic entries and their term links from one seeded random stream."""

    def __init__(self, seed, term_ids):
        self.seed = seed
        self.rng = random.Random(seed)
        self.term_ids = term_ids

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def make(self, number):
        """Entry `number` of this seed, its term ids by field, and its findings."""
        rng = self.rng
        kind = self.pick(KIND_WEIGHTS)
        words = {
            "approach": rng.choice(list(APPROACHES)),
            "people": rng.choice(list(PEOPLE)),
            "outcome": rng.choice(OUTCOMES),
            "place": rng.choice(PLACES),
        }
        words["approach_cap"] = words["approach"].capitalize()
        year = rng.randint(OLDEST_YEAR, NEWEST_YEAR)
        status = self.pick(STATUS_WEIGHTS)
        entry = Entry(
            kind=kind,
            year=year,
            status=status,
            is_synthetic=True,
            organisation=rng.choice(ORGANISATION_FORMS).format(place=rng.choice(PLACES)),
            authors=", ".join(
                f"{rng.choice(SURNAMES)} {rng.choice('ABCDEFGHJKLMNPRSTW')}"
                for _ in range(rng.randint(1, 5))
            ),
        )
        if status in (Status.PUBLISHED, Status.ARCHIVED):
            entry.published_at = EPOCH - datetime.timedelta(seconds=rng.randint(0, 8 * 365 * 86400))
        if kind == Kind.EVIDENCE:
            self._fill_evidence(entry, words)
        elif kind == Kind.TOOL:
            self._fill_tool(entry, words)
        else:
            self._fill_resource(entry, words)
        entry.slug = f"{slug_from_title(entry.title, 60)}-s{self.seed}-{number}"
        if kind == Kind.EVIDENCE or rng.random() < 0.2:
            entry.doi = f"{DOI_PREFIX}s{self.seed}.{number}"
        if rng.random() < 0.7:
            entry.url = f"https://example.org/synthetic/{entry.slug}/"
        entry.summary = (
            f"Synthetic entry for load testing, not a real item. {entry.summary}".strip()
        )
        entry.body = self._body(words)
        people_field, people_slug = PEOPLE[words["people"]]
        hints = {"approaches": [APPROACHES[words["approach"]]], people_field: [people_slug]}
        if entry.country:
            hints["regions"] = [COUNTRIES[entry.country]]
        findings = self._findings(words["outcome"]) if kind == Kind.EVIDENCE else []
        return entry, self._terms(hints), findings

    def _title(self, forms, **words):
        return f"{TITLE_MARK} {self.rng.choice(forms).format(**words)}"

    def _fill_evidence(self, entry, words):
        rng = self.rng
        entry.study_design = rng.choice(list(StudyDesign))
        design = DESIGN_PHRASES[entry.study_design]
        entry.title = self._title(EVIDENCE_TITLES, design=design, **words)
        entry.evidence_strength = rng.choice(list(EvidenceStrength))
        entry.sample_size = rng.randint(12, 4000)
        entry.population = words["people"]
        entry.country = rng.choice(list(COUNTRIES))
        entry.publisher = rng.choice(JOURNALS)
        direction = rng.choice(["improved", "small improvements in", "no clear change in"])
        entry.finding = f"Peer support was associated with {direction} {words['outcome']}."
        entry.summary = (
            f"A {design} of {words['approach']} peer support for {words['people']}, "
            f"with {entry.sample_size} participants, looking at {words['outcome']}."
        )

    def _fill_tool(self, entry, words):
        rng = self.rng
        entry.tool_format = rng.choice(list(ToolFormat))
        form = TOOL_FORMAT_PHRASES[entry.tool_format]
        entry.title = self._title(TOOL_TITLES, format=form, **words)
        entry.licence = rng.choice(LICENCES)
        entry.cost = Cost.FREE if rng.random() < 0.8 else Cost.PAID
        entry.summary = (
            f"A {form} for teams running {words['approach']} peer support, "
            f"with prompts on {words['outcome']}."
        )

    def _fill_resource(self, entry, words):
        rng = self.rng
        entry.resource_format = rng.choice(list(ResourceFormat))
        form = RESOURCE_FORMAT_PHRASES[entry.resource_format]
        entry.title = self._title(RESOURCE_TITLES, format=form, **words)
        entry.summary = (
            f"A {form} from {entry.organisation} on {words['approach']} peer support "
            f"for {words['people']}."
        )

    def _body(self, words):
        points = self.rng.sample(OUTCOMES, 3)
        return (
            f"This synthetic entry describes {words['approach']} peer support for "
            f"{words['people']} in {words['place']}.\n\n"
            "What it covers:\n\n" + "".join(f"- {point}\n" for point in points)
        )

    def _findings(self, outcome_phrase):
        """0 to 3 findings: the outcome the study's words name first, then random others."""
        outcomes = self.term_ids.get("outcomes", {})
        count = self.rng.randint(*FINDINGS_PER_STUDY)
        if not outcomes or not count:
            return []
        named = outcomes.get(OUTCOME_TERMS[outcome_phrase])
        others = [pk for pk in outcomes.values() if pk != named]
        chosen = ([named] if named else []) + self.rng.sample(others, min(count, len(others)))
        return [
            Finding(outcome_id=pk, direction=self.pick(DIRECTION_WEIGHTS)) for pk in chosen[:count]
        ]

    def _terms(self, hints):
        """Term ids by field: the terms the entry's words name, then random others."""
        chosen = {}
        for field, (fewest, most) in TERMS_PER_ENTRY.items():
            ids = self.term_ids.get(field, {})
            named = [ids[slug] for slug in hints.get(field, []) if slug in ids]
            others = [pk for pk in ids.values() if pk not in named]
            extra = max(self.rng.randint(fewest, most) - len(named), 0)
            chosen[field] = named + self.rng.sample(others, min(extra, len(others)))
        return chosen


def _insert_batch(made):
    """Insert one batch of (entry, term ids by taxonomy, findings): entries, links, findings."""
    slugs = [entry.slug for entry, _, _ in made]
    if Entry.objects.filter(slug__in=slugs).exists():
        raise SeedAlreadyUsed
    create_entries(
        (entry, [term_id for ids in terms.values() for term_id in ids], findings)
        for entry, terms, findings in made
    )


@transaction.atomic
def generate_entries(count, seed):
    """Create `count` synthetic entries from `seed`, all or nothing; returns how many. Loads the
    starting taxonomy first when a taxonomy is empty, so entries always have terms to link to."""
    in_use = set(Term.objects.values_list("taxonomy", flat=True).distinct())
    if not set(TAXONOMY_KEYS.values()) <= in_use:
        load_taxonomy()
    # In slug order, so that a seed picks the same terms in any database.
    maker = EntryMaker(seed, term_ids_by_slug())
    for start in range(0, count, BATCH_SIZE):
        numbers = range(start + 1, min(start + BATCH_SIZE, count) + 1)
        _insert_batch([maker.make(number) for number in numbers])
    refresh_planner_statistics()
    return count


def delete_synthetic_entries():
    """Delete every synthetic entry, its taxonomy links, findings and history; nothing else."""
    deleted = delete_entries(Entry.objects.synthetic())
    refresh_planner_statistics()
    return deleted
