"""How to cite an entry: a formatted reference, RIS and BibTeX files for reference managers,
and what they read on its detail page (Highwire `citation_*` tags, schema.org JSON-LD).

The files import into Zotero, EndNote and Mendeley. Every format reads the authors field by
the one rule of `resources.authors.people_of`: people by family and given names, organisations
whole.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.http import content_disposition_header

from resources.authors import organisations_of, people_of
from resources.kinds import ResourceFormat

# Characters LaTeX treats as commands; braces and backslash first so later escapes survive.
BIBTEX_ESCAPES = [
    ("\\", r"\textbackslash{}"),
    ("{", r"\{"),
    ("}", r"\}"),
    ("&", r"\&"),
    ("%", r"\%"),
    ("$", r"\$"),
    ("#", r"\#"),
    ("_", r"\_"),
    ("^", r"\^{}"),
    ("~", r"\~{}"),
]
_BIBTEX_ESCAPE_PATTERN = re.compile("|".join(re.escape(char) for char, _ in BIBTEX_ESCAPES))
_BIBTEX_REPLACEMENTS = dict(BIBTEX_ESCAPES)
# APA lists up to 20 authors; beyond that the first 19, an ellipsis and the last.
APA_MAX_AUTHORS = 20


@dataclass(frozen=True)
class CitationType:
    """A kind of work as RIS, BibTeX and schema.org name it."""

    ris: str
    bibtex: str
    # The BibTeX field that holds the journal or publisher for this type.
    bibtex_publisher_field: str
    # The schema.org type; empty: the kind's own (KindSpec.schema_type in resources/kinds.py).
    schema_type: str = ""


ARTICLE = CitationType(
    ris="JOUR", bibtex="article", bibtex_publisher_field="journal", schema_type="ScholarlyArticle"
)
REPORT = CitationType(
    ris="RPRT", bibtex="techreport", bibtex_publisher_field="institution", schema_type="Report"
)
GENERIC = CitationType(ris="GEN", bibtex="misc", bibtex_publisher_field="publisher")


@dataclass(frozen=True)
class CitationFile:
    """One downloadable format: how to name, label and serve it."""

    extension: str
    label: str
    content_type: str


FORMATS = {
    "ris": CitationFile(
        "ris", "RIS (Zotero, EndNote, Mendeley)", "application/x-research-info-systems"
    ),
    "bib": CitationFile("bib", "BibTeX (LaTeX)", "application/x-bibtex"),
}


def one_line(text):
    """Collapse whitespace: RIS and BibTeX fields are single lines."""
    return " ".join((text or "").split())


def escape_bibtex(text):
    return _BIBTEX_ESCAPE_PATTERN.sub(lambda match: _BIBTEX_REPLACEMENTS[match[0]], one_line(text))


def escape_bibtex_verbatim(text):
    """URLs and DOIs are read verbatim by BibTeX: only braces and backslashes could break
    the file, and percent-encoding keeps the address working."""
    return quote(one_line(text), safe=":/?#[]@!$&'()*+,;=%~-._")


def bibtex_name(name):
    """A person as "Family, Given"; an organisation braced, so BibTeX takes it as one name
    (`author = {{Mind}}`, `{Smith, Jane and {Mind}}`) rather than first and last names."""
    if name.is_organisation:
        return "{" + escape_bibtex(name.organisation) + "}"
    return escape_bibtex(f"{name.family}, {name.given}")


def schema_org_name(name):
    """A schema.org Person (family and given names) or Organization."""
    if name.is_organisation:
        return {"@type": "Organization", "name": name.organisation}
    return {
        "@type": "Person",
        "name": name.full,
        "familyName": name.family,
        "givenName": name.given,
    }


class Citation:
    """The citation of one entry, in every format the detail page offers."""

    def __init__(self, entry):
        self.entry = entry
        self.credits = people_of(entry)

    @property
    def work_type(self):
        """Journal article, report or generic work.

        A DOI with a journal or publisher is a published paper, whatever the kind. A kind
        cited as a report (evidence; see resources/kinds.py) is a paper when it names a
        journal and no organisation, and otherwise that organisation's report (in the curated
        data, always so). A resource whose format is "report" is a report too.
        """
        entry = self.entry
        cited_as_report = entry.spec.citation_type == "report"
        if entry.publisher and (entry.doi or (cited_as_report and not entry.organisation)):
            return ARTICLE
        if cited_as_report or entry.resource_format == ResourceFormat.REPORT:
            return REPORT
        return GENERIC

    @property
    def creators(self):
        """Who the work is by, as `resources.authors.Name`s: its authors, or else the
        organisations behind it."""
        return list(self.credits)

    @property
    def publisher(self):
        """The journal or publisher, or else the organisation behind the work."""
        return self.entry.publisher or self.entry.organisation

    @property
    def journal(self):
        return self.entry.publisher if self.work_type is ARTICLE else ""

    @property
    def link(self):
        return self.entry.link or self.entry.canonical_url

    @property
    def schema_type(self):
        """ScholarlyArticle, Report, or what the kind says its other works are."""
        return self.work_type.schema_type or self.entry.spec.schema_type_of(self.entry)

    def _is_an_author(self, publisher):
        """Whether `publisher` is already credited as the author (APA then leaves it out)."""
        authors = {name.organisation.casefold() for name in self.credits if name.is_organisation}
        named = {name.casefold() for name in organisations_of(self.entry)}
        return publisher.casefold() in authors or (
            publisher == self.entry.organisation and named and named <= authors
        )

    @property
    def reference(self):
        """An APA-like reference: Family, I. (Year). Title. Publisher. Then, as APA asks, the
        work's https://doi.org/… address when it has a DOI, else its link."""
        year = f"({self.entry.year or 'n.d.'})."
        title = _with_full_stop(self.entry.title)
        # With no author, APA puts the title first.
        parts = [f"{_apa_authors(self.credits)} {year}", title] if self.credits else [title, year]
        if self.publisher and not self._is_an_author(self.publisher):
            parts.append(_with_full_stop(self.publisher))
        parts.append(self.entry.doi_url or self.link)
        return " ".join(parts)

    def ris(self):
        """The entry as an RIS record (one tag per line, CRLF line ends, closed by ER)."""
        entry = self.entry
        lines = [("TY", self.work_type.ris)]
        lines += [("AU", name.filed) for name in self.credits]
        lines.append(("TI", entry.title))
        if entry.year:
            lines.append(("PY", str(entry.year)))
        if self.work_type is ARTICLE:
            lines += [("T2", self.journal), ("JO", self.journal)]
        elif self.publisher:
            lines.append(("PB", self.publisher))
        if entry.doi:
            lines.append(("DO", entry.doi))
        lines.append(("UR", self.link))
        lines.append(("AB", entry.summary))
        lines.append(("ER", ""))
        return "".join(f"{tag}  - {one_line(value)}\r\n" for tag, value in lines)

    @property
    def bibtex_key(self):
        """A stable, unique key: the entry's slug (which curators keep once published)."""
        return self.entry.slug

    def bibtex(self):
        """The entry as one BibTeX record, with LaTeX special characters escaped."""
        entry = self.entry
        fields = []
        names = [bibtex_name(name) for name in self.credits]
        if names and self.credits.et_al:
            names.append("others")  # BibTeX's own "et al."
        if names:
            fields.append(("author", " and ".join(names)))
        # Double braces keep the title's capitals as written.
        fields.append(("title", "{" + escape_bibtex(entry.title) + "}"))
        if self.publisher:
            fields.append((self.work_type.bibtex_publisher_field, escape_bibtex(self.publisher)))
        if entry.year:
            fields.append(("year", str(entry.year)))
        if entry.doi:
            fields.append(("doi", escape_bibtex_verbatim(entry.doi)))
        fields.append(("url", escape_bibtex_verbatim(self.link)))
        fields.append(("abstract", escape_bibtex(entry.summary)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@{self.work_type.bibtex}{{{self.bibtex_key},\n{body}\n}}\n"

    @property
    def meta_tags(self):
        """Highwire Press `citation_*` tags as (name, content) pairs, in the order Google
        Scholar documents them; the Zotero connector saves a page from them in one click.

        The journal makes Zotero file an article and the institution a report. A link to a
        PDF is offered as the full text, any other link as the work's landing page.
        """
        entry = self.entry
        tags = [("citation_title", one_line(entry.title))]
        tags += [("citation_author", name.filed) for name in self.credits]
        if entry.year:
            tags.append(("citation_publication_date", str(entry.year)))
        if self.work_type is ARTICLE:
            tags.append(("citation_journal_title", self.journal))
        elif self.publisher:
            if self.work_type is REPORT:
                tags.append(("citation_technical_report_institution", self.publisher))
            tags.append(("citation_publisher", self.publisher))
        if entry.doi:
            tags.append(("citation_doi", entry.doi))
        if urlsplit(self.link).path.lower().endswith(".pdf"):
            tags.append(("citation_pdf_url", self.link))
        else:
            tags.append(("citation_abstract_html_url", self.link))
        return tags

    @property
    def schema_org(self):
        """The work as schema.org data (a dict for a JSON-LD block): the work itself is at
        `url`, described by the hub page it is the main entity of."""
        entry = self.entry
        page = entry.canonical_url
        data = {
            "@context": "https://schema.org",
            "@type": self.schema_type,
            "@id": f"{page}#work",
            "mainEntityOfPage": page,
            "name": one_line(entry.title),
            "url": self.link,
            "description": one_line(entry.summary),
        }
        if self.credits:
            data["author"] = [schema_org_name(name) for name in self.credits]
        if entry.year:
            data["datePublished"] = str(entry.year)
        if entry.doi:
            data["identifier"] = {
                "@type": "PropertyValue",
                "propertyID": "DOI",
                "value": entry.doi,
                "url": entry.doi_url,
            }
            data["sameAs"] = entry.doi_url
        if self.journal:
            data["isPartOf"] = {"@type": "Periodical", "name": self.journal}
        elif self.publisher:
            data["publisher"] = {"@type": "Organization", "name": self.publisher}
        topics = [term for term in entry.terms.all() if term.taxonomy == "topic"]
        if topics:
            topic_index = settings.SITE_URL + reverse("term-index", kwargs={"taxonomy": "topic"})
            data["about"] = [
                {
                    "@type": "DefinedTerm",
                    "name": term.name,
                    "url": f"{settings.SITE_URL}{term.page_url}",
                    "inDefinedTermSet": topic_index,
                }
                for term in topics
            ]
        return data

    def download_url(self, extension):
        return reverse(
            f"resources:{self.entry.kind}-citation-{extension}", kwargs={"slug": self.entry.slug}
        )

    @property
    def downloads(self):
        """Each format as `{"label", "url"}`, for the "Cite this" box."""
        return [
            {"label": file.label, "url": self.download_url(extension)}
            for extension, file in FORMATS.items()
        ]

    def file(self, extension):
        """(content, content type, Content-Disposition) for a download in one format."""
        file = FORMATS[extension]
        content = self.ris() if extension == "ris" else self.bibtex()
        disposition = content_disposition_header(True, f"{self.entry.slug}.{file.extension}")
        return content, f"{file.content_type}; charset=utf-8", disposition


def _apa_authors(credits):
    """APA style: "Smith, J.", "Smith, J., & Khan, A.", "Smith, J., Khan, A., & Lee, M.";
    organisations as named; "et al." when the credit says more people made it."""
    names = [name.initialled for name in credits]
    if len(names) > APA_MAX_AUTHORS:
        text = f"{', '.join(names[: APA_MAX_AUTHORS - 1])}, … {names[-1]}"
    elif len(names) > 2:
        text = f"{', '.join(names[:-1])}, & {names[-1]}"
    elif len(names) == 2:
        # A comma parts a person's initials from the "&"; an organisation needs none.
        comma = "" if credits.names[0].is_organisation else ","
        text = f"{names[0]}{comma} & {names[1]}"
    else:
        text = names[0]
    if credits.et_al:
        text += " et al." if credits.names[-1].is_organisation else ", et al."
    return text


def _with_full_stop(text):
    text = one_line(text)
    return text if text.endswith((".", "?", "!")) else f"{text}."
