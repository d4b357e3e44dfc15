"""What the API's answers look like, for its OpenAPI description (drf-spectacular).

The views send plain dicts made elsewhere: an entry is its public record
(resources/records.py `entry_record`, the same as in the JSON export), the facets are the
listing's own. These serializers only describe them, one entry shape per kind (built from
resources/kinds.py); tests check that they name exactly the keys the records have.
"""

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from resources.filters import Sort
from resources.kinds import KINDS, Kind
from resources.models import MAX_STORED_YEAR, MIN_YEAR, Direction, Entry
from resources.records import ENTRY_RECORD_DATES, ENTRY_RECORD_FIELDS
from resources.taxonomies import TAGGING_TAXONOMIES


class TermReferenceSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The term's slug: its value in listing filters.")
    name = serializers.CharField()


EntryTermsSerializer = type(
    "EntryTermsSerializer",
    (serializers.Serializer,),
    {
        taxonomy.name: TermReferenceSerializer(many=True, help_text=taxonomy.description)
        for taxonomy in TAGGING_TAXONOMIES
    },
)


class FindingSerializer(serializers.Serializer):
    outcome = TermReferenceSerializer()
    direction = serializers.ChoiceField(choices=Direction.choices)
    note = serializers.CharField(allow_blank=True)


# What a reuser needs to know of each column (the model's help texts speak to curators).
RECORD_HELP = {
    "slug": "Its address: entries/<slug>/ here, and on the hub.",
    "summary": "Two or three sentences, plain text.",
    "authors": "As the work credits them, comma-separated.",
    "publisher": "The journal (for papers) or publisher.",
    "year": "Year of publication, or null when unknown.",
    "doi": "The bare DOI (10.…), or empty.",
    "population": "Who was studied, in words.",
    "finding": "The main finding, in one sentence.",
    "co_produced": "Whether it was co-produced with people with lived experience.",
    "curator_note": "Why a curator thinks it useful, and its limitations, in Markdown; or empty.",
}


class EntryRecordSerializer(serializers.ModelSerializer):
    """The fields every kind's record has."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    hub_url = serializers.URLField(help_text="The entry's page on the hub.")
    url = serializers.CharField(
        allow_blank=True, help_text="The item itself (a web address), or empty."
    )
    terms = EntryTermsSerializer(help_text="The entry's terms, by taxonomy.")
    published_at = serializers.DateTimeField(help_text="When it was first published.")
    updated = serializers.DateTimeField(help_text="When it last changed.")

    class Meta:
        model = Entry
        fields = [*ENTRY_RECORD_FIELDS, "terms", *ENTRY_RECORD_DATES]


def _record_meta(fields):
    """Every key is always present (blank or null when empty), and described for reusers."""
    extra = {name: {"required": True, "validators": []} for name in fields}
    for name, help_text in RECORD_HELP.items():
        extra.setdefault(name, {})["help_text"] = help_text
    extra["year"].update(min_value=MIN_YEAR, max_value=MAX_STORED_YEAR)
    return type("Meta", (), {"model": Entry, "fields": fields, "extra_kwargs": extra})


def _record_serializer(spec):
    """The record of one kind: the shared fields, the kind's own and, if any, its findings."""
    fields = [*ENTRY_RECORD_FIELDS, *spec.fields, "terms"]
    attrs = {"__doc__": f"The public record of an entry of kind {spec.value}."}
    if spec.has_findings:
        attrs["findings"] = FindingSerializer(many=True, help_text="Outcome by outcome.")
        fields.append("findings")
    attrs["Meta"] = _record_meta([*fields, *ENTRY_RECORD_DATES])
    return type(f"{spec.label.replace(' ', '')}Record", (EntryRecordSerializer,), attrs)


RECORD_SERIALIZERS = {spec.value: _record_serializer(spec) for spec in KINDS}


def entry_serializer(many=False):
    """An entry of any kind: one of the kinds' records, told apart by `kind`."""
    return PolymorphicProxySerializer(
        component_name="Entry",
        serializers=RECORD_SERIALIZERS,
        resource_type_field_name="kind",
        many=many,
    )


class EntryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many entries the listing has in all.")
    sort = serializers.ChoiceField(choices=Sort.choices, help_text="The order in force.")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The page before, or null.")
    results = entry_serializer(many=True)


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The option's value as a filter parameter.")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="How many entries ticking it would list.")
    selected = serializers.BooleanField(help_text="Whether the query ticks it.")


class FacetSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The filter parameter.")
    label = serializers.CharField()
    options = FacetOptionSerializer(many=True)


class FacetsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many entries the listing has.")
    entries = serializers.URLField(help_text="The entries of this listing.")
    facets = FacetSerializer(many=True)


class TaxonomySerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Its name, also its listing parameter (?topic=).")
    label = serializers.CharField()
    plural = serializers.CharField()
    description = serializers.CharField()
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.choices),
        help_text="The kinds whose entries can have its terms.",
    )
    url = serializers.URLField(help_text="Its terms.")


class TermSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The term's value in listing filters.")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True, help_text="Markdown.")
    published_count = serializers.IntegerField(
        help_text="How many published entries have it (for outcomes: a finding for it)."
    )
    entries = serializers.URLField(help_text="Its published entries.")
    hub_url = serializers.URLField(help_text="Its page on the hub, or its listing.")


class TaxonomyTermsSerializer(serializers.Serializer):
    taxonomy = TaxonomySerializer()
    terms = TermSerializer(many=True)


class QueryErrorSerializer(serializers.Serializer):
    parameter = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text="The value refused, if any.")
    message = serializers.CharField()
    allowed = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The values it may take."
    )


class InvalidQuerySerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = QueryErrorSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RootSerializer(serializers.Serializer):
    entries = serializers.URLField()
    facets = serializers.URLField()
    terms = serializers.URLField()
    schema = serializers.URLField()
    docs = serializers.URLField()
