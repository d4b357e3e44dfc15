"""The kinds of catalogue entry — resource, tool, evidence — in one registry.

Everything that differs per kind is a field of its `KindSpec`: its names, its introduction,
its URL prefix, the columns only it has, its listing facets, its admin screen, how it is
cited, its schema.org type and what its "go to" button says. URLs, views, filter sets,
admin screens, citations and templates loop over `KINDS`. A new kind is a new spec here plus
a migration (for its columns, the `kind` choices and its proxy model).
"""

from dataclasses import dataclass, field

from django.db import models


class StudyDesign(models.TextChoices):
    SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
    OTHER_REVIEW = "other_review", "Other review (scoping, narrative, umbrella)"
    RCT = "rct", "Randomised controlled trial"
    QUASI_EXPERIMENTAL = "quasi_experimental", "Quasi-experimental"
    OBSERVATIONAL = "observational", "Cohort / observational"
    QUALITATIVE = "qualitative", "Qualitative"
    MIXED_METHODS = "mixed_methods", "Mixed methods"
    EVALUATION = "evaluation", "Evaluation"
    OTHER = "other", "Other"


STUDY_DESIGN_DESCRIPTIONS = {
    StudyDesign.SYSTEMATIC_REVIEW: "Finds, appraises and combines every study on a question "
    "by a method set out in advance; a meta-analysis pools their results.",
    StudyDesign.OTHER_REVIEW: "Maps or summarises studies without the full systematic method: "
    "scoping, narrative and literature reviews, and reviews of reviews (umbrella reviews).",
    StudyDesign.RCT: "People are allocated by chance to peer support or to a comparison group, "
    "so differences in outcomes can be put down to the support.",
    StudyDesign.QUASI_EXPERIMENTAL: "Compares people who had peer support with people who did "
    "not, or before and after, without allocating them by chance.",
    StudyDesign.OBSERVATIONAL: "Follows people over time, or compares groups as they are, "
    "without changing what support they get.",
    StudyDesign.QUALITATIVE: "Interviews, focus groups or observation: how people experience "
    "peer support and why it helps or does not.",
    StudyDesign.MIXED_METHODS: "Combines measured outcomes with qualitative accounts in one study.",
    StudyDesign.EVALUATION: "An assessment of one programme or service, often by or for the "
    "organisation that runs it, including social return on investment studies.",
    StudyDesign.OTHER: "A design that fits none of the above.",
}


class EvidenceStrength(models.TextChoices):
    STRONG = "strong", "Strong"
    MODERATE = "moderate", "Moderate"
    LIMITED = "limited", "Limited"
    EMERGING = "emerging", "Emerging"


EVIDENCE_STRENGTH_DESCRIPTIONS = {
    EvidenceStrength.STRONG: "Consistent results from several well-conducted studies, such as "
    "systematic reviews of trials.",
    EvidenceStrength.MODERATE: "Good studies point the same way, but there are few of them or "
    "they have limitations.",
    EvidenceStrength.LIMITED: "Few or small studies, or results that could easily change with "
    "more research.",
    EvidenceStrength.EMERGING: "Early findings, pilots or single evaluations: promising, not "
    "yet tested widely.",
}


class ToolFormat(models.TextChoices):
    TEMPLATE = "template", "Template"
    OUTCOME_MEASURE = "outcome_measure", "Outcome measure"
    EVALUATION_FRAMEWORK = "evaluation_framework", "Evaluation framework"
    CHECKLIST = "checklist", "Checklist"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class Cost(models.TextChoices):
    FREE = "free", "Free"
    PAID = "paid", "Paid"


class ResourceFormat(models.TextChoices):
    GUIDE = "guide", "Guide"
    REPORT = "report", "Report"
    TOOLKIT = "toolkit", "Toolkit"
    VIDEO = "video", "Video"
    WEBSITE = "website", "Website"
    COURSE = "course", "Course"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class KindSpec:
    """One kind of entry. `value` is stored in `Entry.kind` and names its URLs
    (`resources:evidence-list`); `fields` are the columns of `Entry` only this kind may fill
    (the database refuses them on the others)."""

    value: str
    label: str
    plural: str
    introduction: str
    url_prefix: str
    fields: dict
    # Shared columns shown in this kind's own fieldset on its admin screen.
    shared_admin_fields: tuple = ()
    admin_filters: tuple = ()
    # Checkbox facets of its listing: (choice column, legend).
    facets: tuple = ()
    # The column that says what sort of thing it is, and that column's name on the page.
    format_field: str = ""
    format_label: str = "Format"
    publisher_label: str = "Publisher"
    # How reference managers file it when it is not a journal article: "report" or "generic".
    # A "report" kind naming a journal and no organisation is cited as an article.
    citation_type: str = "generic"
    # The schema.org type of its works that are neither journal articles nor reports (those
    # are ScholarlyArticle and Report), and of those in particular formats.
    schema_type: str = "CreativeWork"
    schema_types_by_format: dict = field(default_factory=dict)
    link_text: str = "Open it"
    # Entries of this kind carry findings: an effect direction per outcome (the evidence map).
    has_findings: bool = False

    def schema_type_of(self, entry):
        """The schema.org type of one of its entries that is not an article or a report."""
        entry_format = getattr(entry, self.format_field) if self.format_field else ""
        return self.schema_types_by_format.get(entry_format, self.schema_type)

    @property
    def admin_fieldset(self):
        return (self.label, {"fields": [*self.fields, *self.shared_admin_fields]})

    @property
    def list_url_name(self):
        return f"resources:{self.value}-list"

    @property
    def detail_url_name(self):
        return f"resources:{self.value}-detail"


KINDS = (
    KindSpec(
        value="resource",
        label="Resource",
        plural="Resources",
        introduction="Guides, reports, toolkits, videos and courses about peer support.",
        url_prefix="resources",
        fields={
            "resource_format": models.CharField(
                max_length=20, choices=ResourceFormat.choices, blank=True
            ),
        },
        admin_filters=("resource_format",),
        facets=(("resource_format", "Format"),),
        format_field="resource_format",
        schema_types_by_format={
            ResourceFormat.VIDEO: "VideoObject",
            ResourceFormat.COURSE: "Course",
            ResourceFormat.WEBSITE: "WebSite",
        },
        link_text="Open the resource",
    ),
    KindSpec(
        value="tool",
        label="Tool",
        plural="Tools",
        introduction="Templates, outcome measures, evaluation frameworks and checklists.",
        url_prefix="tools",
        fields={
            "tool_format": models.CharField(max_length=30, choices=ToolFormat.choices, blank=True),
            "cost": models.CharField(max_length=10, choices=Cost.choices, blank=True),
            "licence": models.CharField(max_length=100, blank=True, help_text="E.g. CC BY 4.0."),
        },
        admin_filters=("tool_format", "cost"),
        facets=(("tool_format", "Format"),),
        format_field="tool_format",
        # Templates, measures, frameworks and checklists are documents to download and use.
        schema_type="DigitalDocument",
        schema_types_by_format={ToolFormat.TRAINING: "Course"},
        link_text="Get the tool",
    ),
    KindSpec(
        value="evidence",
        label="Evidence",
        plural="Evidence",
        introduction="Research on peer support: reviews, trials, evaluations and more.",
        url_prefix="evidence",
        fields={
            "study_design": models.CharField(
                max_length=30, choices=StudyDesign.choices, blank=True
            ),
            "evidence_strength": models.CharField(
                max_length=20,
                choices=EvidenceStrength.choices,
                blank=True,
                help_text="The curators' judgement of how strong the evidence is.",
            ),
            "finding": models.CharField(
                "main finding", max_length=400, blank=True, help_text="One sentence."
            ),
            "sample_size": models.PositiveIntegerField(null=True, blank=True),
        },
        shared_admin_fields=("population", "country"),
        admin_filters=("study_design", "evidence_strength"),
        facets=(("study_design", "Study design"), ("evidence_strength", "Strength of evidence")),
        format_field="study_design",
        format_label="Study design",
        publisher_label="Journal or publisher",
        citation_type="report",
        link_text="Read the evidence",
        has_findings=True,
    ),
)

KINDS_BY_VALUE = {spec.value: spec for spec in KINDS}

# Entry.kind's choices: Kind.RESOURCE == "resource", Kind.EVIDENCE.label == "Evidence".
Kind = models.TextChoices(
    "Kind", [(spec.value.upper(), (spec.value, spec.label)) for spec in KINDS]
)


def kind_spec(kind):
    """The spec of a kind value (`"evidence"` or `Kind.EVIDENCE`)."""
    return KINDS_BY_VALUE[str(kind)]
