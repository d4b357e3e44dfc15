"""How to cite an entry: a formatted reference, and RIS and BibTeX files for reference managers.

Both files import into Zotero, EndNote and Mendeley. Entries hold authors as one
comma-separated string, "as the work credits them"; names written the Vancouver way
("Smith JA") are turned around ("Smith, JA") so reference managers find the surname.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import content_disposition_header

from resources.kinds import ResourceFormat

AUTHOR_SEPARATORS = re.compile(r"\s*[;,]\s*")
# Organisations' names may hold commas ("St George's, University of London"), not semicolons.
ORGANISATION_SEPARATORS = re.compile(r"\s*;\s*")
ET_AL = re.compile(r"\s*\bet al\.?$", re.IGNORECASE)
# "Smith JA", "Smith J.A.", "van der Berg J": a surname then one to three initials.
VANCOUVER_NAME = re.compile(r"^(?P<surname>.+?)\s+(?P<initials>(?:[A-Z]\.?){1,3})$")
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


@dataclass(frozen=True)
class CitationType:
    """A kind of work as RIS and BibTeX name it."""

    ris: str
    bibtex: str
    # The BibTeX field that holds the journal or publisher for this type.
    bibtex_publisher_field: str


ARTICLE = CitationType(ris="JOUR", bibtex="article", bibtex_publisher_field="journal")
REPORT = CitationType(ris="RPRT", bibtex="techreport", bibtex_publisher_field="institution")
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


def split_authors(authors):
    """The authors field as (names, whether "et al." followed them): names are split on
    commas and semicolons, blanks dropped."""
    authors = (authors or "").strip()
    has_more = bool(ET_AL.search(authors))
    names = AUTHOR_SEPARATORS.split(ET_AL.sub("", authors))
    return [name for name in names if name], has_more


def surname_first(name):
    """Turn a Vancouver-style "Smith JA" into "Smith, JA"; leave other names as written
    (reference managers read "Jane Smith" correctly; an organisation must not be turned)."""
    match = VANCOUVER_NAME.match(name)
    if not match:
        return name
    return f"{match['surname']}, {match['initials']}"


def one_line(text):
    """Collapse whitespace: RIS and BibTeX fields are single lines."""
    return " ".join((text or "").split())


def escape_bibtex(text):
    return _BIBTEX_ESCAPE_PATTERN.sub(lambda match: _BIBTEX_REPLACEMENTS[match[0]], one_line(text))


def escape_bibtex_verbatim(text):
    """URLs and DOIs are read verbatim by BibTeX: only braces and backslashes could break
    the file, and percent-encoding keeps the address working."""
    return quote(one_line(text), safe=":/?#[]@!$&'()*+,;=%~-._")


class Citation:
    """The citation of one entry, in every format the detail page offers."""

    def __init__(self, entry):
        self.entry = entry
        self.authors, self.has_more_authors = split_authors(entry.authors)

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
        """Who the work is by: its authors, or else the organisations behind it."""
        if self.authors:
            return self.authors
        return [name for name in ORGANISATION_SEPARATORS.split(self.entry.organisation) if name]

    @property
    def publisher(self):
        """The journal or publisher, or else the organisation (unless it is already the author)."""
        if self.entry.publisher:
            return self.entry.publisher
        return self.entry.organisation if self.authors else ""

    @property
    def link(self):
        return self.entry.link or self.entry.canonical_url

    @property
    def reference(self):
        """An APA-like reference: Authors (Year). Title. Publisher. Then, as APA asks, the
        work's https://doi.org/… address when it has a DOI, else its link."""
        parts = []
        creators = self.creators
        year = self.entry.year or "n.d."
        if creators:
            et_al = " et al." if self.has_more_authors else ""
            parts.append(f"{_join_names(creators)}{et_al} ({year}).")
        else:
            parts.append(f"({year}).")
        parts.append(_with_full_stop(self.entry.title))
        # APA leaves out a publisher that is also the author.
        if self.publisher and self.publisher not in creators:
            parts.append(_with_full_stop(self.publisher))
        parts.append(self.entry.doi_url or self.link)
        return " ".join(parts)

    def ris(self):
        """The entry as an RIS record (one tag per line, CRLF line ends, closed by ER)."""
        entry = self.entry
        lines = [("TY", self.work_type.ris)]
        lines += [("AU", surname_first(name)) for name in self.creators]
        lines.append(("TI", entry.title))
        if entry.year:
            lines.append(("PY", str(entry.year)))
        if self.work_type is ARTICLE:
            lines += [("T2", entry.publisher), ("JO", entry.publisher)]
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
        if self.authors:
            names = [escape_bibtex(surname_first(name)) for name in self.authors]
            if self.has_more_authors:
                names.append("others")  # BibTeX's own "et al."
        else:
            # Braced, so BibTeX takes an organisation as one name, not first and last names.
            names = ["{" + escape_bibtex(name) + "}" for name in self.creators]
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


def _join_names(names):
    """APA style: "A", "A & B", "A, B, & C"."""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} & {names[1]}"
    return f"{', '.join(names[:-1])}, & {names[-1]}"


def _with_full_stop(text):
    text = one_line(text)
    return text if text.endswith((".", "?", "!")) else f"{text}."
