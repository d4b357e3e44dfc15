"""Fetch a work's metadata from Crossref's public API for the admin's "Fill from DOI".

`fetch_work(doi)` returns a `CrossrefWork` holding the entry fields Crossref can fill (title,
authors, year, journal as `publisher`, abstract as `summary`), or raises `CrossrefError`
with a sentence for the curator. Requests follow Crossref's etiquette: a `User-Agent` naming
the hub with a `mailto:` of `CONTACT_EMAIL`, and a short timeout (`CROSSREF_TIMEOUT`).
"""

import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from resources.models import DOI_PATTERN, Entry, normalise_doi, validate_year

# The entry fields Crossref can fill, in the order the confirmation page shows them.
FILLABLE_FIELDS = ("title", "authors", "year", "publisher", "summary")
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
# JATS section titles ("Background") become run-in headings: "Background: Peer support…".
JATS_TITLE_END = re.compile(r"</(?:jats:)?title>")
# A JATS abstract often opens with its own heading, "Abstract".
ABSTRACT_HEADING = re.compile(r"^abstract[:.]?\s+", re.IGNORECASE)


class CrossrefError(Exception):
    """Crossref could not give a usable record; the message is meant for the curator."""


@dataclass(frozen=True)
class CrossrefWork:
    """The entry fields one Crossref record fills; an empty string (or None) where it has none."""

    title: str
    authors: str
    year: int | None
    publisher: str
    summary: str

    def as_fields(self):
        """The fields as a dict, in `FILLABLE_FIELDS` order."""
        return {name: getattr(self, name) for name in FILLABLE_FIELDS}


def user_agent():
    """Crossref's "polite pool" asks for a tool name and a contact address."""
    contact = f"; mailto:{settings.CONTACT_EMAIL}" if settings.CONTACT_EMAIL else ""
    return f"PeerSupportEvidenceHub/1.0 ({settings.SITE_URL}{contact})"


def fetch_work(doi):
    """The Crossref record of `doi` as a `CrossrefWork`; raises `CrossrefError` on any failure."""
    doi = normalise_doi(doi or "")
    if not doi:
        raise CrossrefError("This entry has no DOI: add one and save before filling from it.")
    if not DOI_PATTERN.match(doi):
        raise CrossrefError(f"“{doi}” is not a DOI (they look like 10.1186/s12888-020-02923-3).")
    url = f"{settings.CROSSREF_API_URL.rstrip('/')}/works/{urllib.parse.quote(doi, safe='/')}"
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent(), "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CROSSREF_TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise CrossrefError(f"Crossref has no record of the DOI {doi}.") from error
        message = f"Crossref answered with an error ({error.code}); try again later."
        raise CrossrefError(message) from error
    except TimeoutError as error:
        raise CrossrefError("Crossref did not answer in time; try again later.") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise CrossrefError("Crossref did not answer in time; try again later.") from error
        raise CrossrefError("Could not reach Crossref; try again later.") from error
    try:
        record = json.loads(body)["message"]
        return work_from_record(record)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CrossrefError("Crossref's answer could not be read; nothing was changed.") from error


def work_from_record(record):
    """A `CrossrefWork` from the `message` of a Crossref works response."""
    if not isinstance(record, dict):
        raise TypeError("the record is not an object")
    return CrossrefWork(
        title=fit("title", plain_text(first(record.get("title")))),
        authors=fit("authors", authors_of(record.get("author") or [])),
        year=year_of(record),
        publisher=fit("publisher", plain_text(first(record.get("container-title")))),
        summary=fit("summary", abstract_text(record.get("abstract") or "")),
    )


def first(values):
    """The first of Crossref's list-valued fields (title, container-title), or ""."""
    if isinstance(values, str):
        return values
    return str(values[0]) if values else ""


def plain_text(markup):
    """Text without tags or entities, on one line."""
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", markup))).strip()


def abstract_text(jats):
    """A JATS abstract as plain text, without its "Abstract" heading."""
    return ABSTRACT_HEADING.sub("", plain_text(JATS_TITLE_END.sub(": ", jats)))


def authors_of(people):
    """Crossref's authors in the hub's format (resources/authors.py): "Given Family", comma
    separated; a group author keeps its `name`."""
    names = []
    for person in people:
        name = " ".join(part for part in (person.get("given"), person.get("family")) if part)
        name = name or person.get("name") or ""
        if name.strip():
            names.append(SPACE.sub(" ", name).strip())
    return ", ".join(names)


def year_of(record):
    """The year Crossref gives it (in print, else online, else issued), or None."""
    for key in ("published-print", "published-online", "published", "issued"):
        parts = (record.get(key) or {}).get("date-parts") or [[None]]
        year = parts[0][0] if parts[0] else None
        if isinstance(year, int):
            return year if year_is_valid(year) else None
    return None


def year_is_valid(year):
    """Whether the entry form would take this year (a typo at Crossref must not fail a save)."""
    try:
        validate_year(year)
    except ValidationError:
        return False
    return True


def fit(field_name, text):
    """`text` cut at a word to the field's maximum length, so that saving cannot fail."""
    limit = Entry._meta.get_field(field_name).max_length
    if not limit or len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
