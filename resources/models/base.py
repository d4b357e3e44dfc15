"""What the catalogue's models share: entry statuses, year and DOI rules, fixed-value proxies."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

MIN_YEAR = 1900
# The database holds a fixed sanity bound; forms hold the tighter "no later than next year".
MAX_STORED_YEAR = 2100

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
TITLE_NOISE = re.compile(r"[\W_]+")
# Entry.title_key's length: a key is cut there (case-folding can lengthen a title), the same
# way for the catalogue and for an imported file, so that equal titles keep equal keys.
TITLE_KEY_LENGTH = 255


# Addresses under a kind's prefix that are pages, not entries: /evidence/map/.
RESERVED_SLUGS = frozenset({"map", "feed", "export"})


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


def max_year():
    """The latest year an entry may carry: next year (forthcoming publications)."""
    return timezone.now().year + 1


def normalise_doi(value):
    """Reduce any spelling of a DOI to its bare, lower-case form: `10.1234/abc`.

    DOIs are case-insensitive, so `https://doi.org/10.1234/X` and `doi:10.1234/x` are one DOI.
    """
    value = (value or "").strip()
    value = DOI_PREFIXES.sub("", value).strip()
    return value.lower()


def normalise_title(title):
    """A title as compared for duplicates: case-folded, punctuation and spaces collapsed
    (`Peer support: a review` and `PEER SUPPORT - A REVIEW` are one title); "" for none."""
    key = " ".join(TITLE_NOISE.sub(" ", (title or "").casefold()).split())
    return key[:TITLE_KEY_LENGTH].rstrip()


def validate_doi(value):
    if value and not DOI_PATTERN.match(normalise_doi(value)):
        raise ValidationError(
            "Enter a DOI such as 10.1186/s12888-020-02923-3 (a doi.org link also works).",
            code="invalid_doi",
        )


def validate_slug_not_reserved(value):
    if value in RESERVED_SLUGS:
        raise ValidationError(
            f"“{value}” is the address of a page of the site: choose another slug.",
            code="reserved_slug",
        )


def validate_year(value):
    if value is not None and not MIN_YEAR <= value <= max_year():
        raise ValidationError(
            f"Enter a year between {MIN_YEAR} and {max_year()}.", code="invalid_year"
        )


class FixedValueManager(models.Manager):
    """The manager of a fixed-value proxy: every query keeps to rows with `field` = `value`
    (class attributes, because Django makes related managers by subclassing it)."""

    field = None
    value = None

    def get_queryset(self):
        return super().get_queryset().filter(**{self.field: self.value})


class FixedValueProxyMixin:
    """New instances of a fixed-value proxy take its value: `Evidence(title=…)` is evidence,
    `Topic(name=…)` is a topic."""

    fixed_field = None
    fixed_value = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Reading a deferred field (as in `.only("title")`) would cost a query for every row.
        if self.fixed_field in self.__dict__ and not getattr(self, self.fixed_field):
            setattr(self, self.fixed_field, self.fixed_value)


def fixed_value_proxy(base, name, field, value, doc, **meta):
    """A proxy model of `base` for the rows whose `field` is `value`, such as the kind proxy
    `Evidence` over `Entry` or the taxonomy proxy `Topic` over `Term`."""
    manager_class = FixedValueManager.from_queryset(type(base.objects.none()))
    manager = type(f"{name}Manager", (manager_class,), {"field": field, "value": value})()
    attrs = {
        "__module__": base.__module__,
        "__doc__": doc,
        "__qualname__": name,
        "fixed_field": field,
        "fixed_value": value,
        "objects": manager,
        "Meta": type("Meta", (), {"proxy": True, **meta}),
    }
    return type(name, (FixedValueProxyMixin, base), attrs)


# Migration 0001 names the kind proxies' mixin by its first name.
KindProxyMixin = FixedValueProxyMixin
