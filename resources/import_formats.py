"""Reading uploaded files for the import (resources/imports.py): bytes to text, then RIS,
BibTeX or CSV to `RawRecord`s of plain strings, before any rule of the catalogue applies.

RIS and BibTeX are read the way resources/citations.py writes them (journal in `JO`/`T2` or
`journal`, a report's organisation in `PB` or `institution`, authors "Family, Given", an
organisation credited as author marked by a trailing comma or braces), so the hub's own
exports come back as they went out. CSV is read by its header, against the columns of the
hub's own CSV export (resources/exports.py).
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from urllib.parse import unquote

import bibtexparser
import rispy
from bibtexparser.bparser import BibTexParser
from bibtexparser.latexenc import latex_to_unicode

from resources.authors import Name, parse_authors
from resources.citations import BIBTEX_ESCAPES
from resources.exports import BYTE_ORDER_MARK, FORMULA_TRIGGERS, csv_columns
from resources.records import ENTRY_RECORD_DATES
from resources.taxonomies import TAGGING_TAXONOMIES

FORMAT_LABELS = {"ris": "RIS", "bib": "BibTeX", "csv": "CSV"}
EXTENSIONS = {".ris": "ris", ".bib": "bib", ".bibtex": "bib", ".csv": "csv"}
# Beyond this share of control characters, "text" is a binary file read as letters.
CONTROL_CHARACTER_LIMIT = 0.01
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
RIS_TAG_LINE = re.compile(r"^TY  - ", re.MULTILINE)
BIBTEX_RECORD = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
YEAR = re.compile(r"\b(\d{4})\b")
# The CSV columns the export writes that describe the hub's copy, not the work: not read back.
READ_ONLY_COLUMNS = frozenset({"hub_url", *ENTRY_RECORD_DATES})
# A BibTeX list of keywords is separated by commas or semicolons.
KEYWORD_SEPARATOR = re.compile(r"\s*[;,]\s*")


class FileProblem(Exception):
    """The file as a whole cannot be read: empty, not text, or not of the chosen format."""


@dataclass
class RawRecord:
    """One record of a file as text, before the catalogue's rules: `values` by entry field
    name, `terms` by taxonomy name (as the file names them), `keywords` to match against any
    taxonomy, `findings` as (outcome name, direction, note)."""

    number: int
    values: dict = field(default_factory=dict)
    kind: str = ""
    terms: dict = field(default_factory=dict)
    keywords: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


@dataclass
class ReadFile:
    """What a file held: its records and notes about the file as a whole."""

    records: list
    notes: list = field(default_factory=list)


# -- Bytes to text ----------------------------------------------------------------------------


def decode(data):
    """The file's text and a note on its encoding (empty for UTF-8): UTF-8 with or without a
    byte order mark, UTF-16 with one, else Windows-1252 (or Latin-1, which reads any byte)."""
    if not data.strip():
        raise FileProblem("The file is empty.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, note = data.decode("utf-16"), "The file was read as UTF-16."
    else:
        note = ""
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                name = "Windows-1252"
            except UnicodeDecodeError:
                text, name = data.decode("latin-1"), "Latin-1"
            note = (
                f"The file is not UTF-8: it was read as {name}. Check accented letters in "
                "the preview; save it as UTF-8 to be sure."
            )
    if (
        "\x00" in text
        or len(CONTROL_CHARACTERS.findall(text)) > len(text) * CONTROL_CHARACTER_LIMIT
    ):
        raise FileProblem(
            "This is not a text file (it holds binary data): upload RIS, BibTeX or CSV."
        )
    if not text.strip():
        raise FileProblem("The file is empty.")
    return text, note


def looks_like(text):
    """The format the text seems to be in: "ris", "bib", "csv" or ""."""
    if RIS_TAG_LINE.search(text[:20000]):
        return "ris"
    if BIBTEX_RECORD.search(text[:20000]):
        return "bib"
    first_line = text.lstrip(BYTE_ORDER_MARK).split("\n", 1)[0].lower()
    if "title" in next(csv.reader([first_line]), []):
        return "csv"
    return ""


def format_of(filename, text, chosen=""):
    """The chosen format, else the one the file's extension names, else what it looks like."""
    if chosen:
        return chosen
    extension = PurePath(filename or "").suffix.lower()
    if extension in EXTENSIONS:
        return EXTENSIONS[extension]
    guessed = looks_like(text)
    if not guessed:
        raise FileProblem(
            "The file's format could not be told from its name or content: choose RIS, "
            "BibTeX or CSV."
        )
    return guessed


def wrong_format(expected, text):
    """A FileProblem saying the file is not `expected`, and what it looks like instead."""
    seen = looks_like(text)
    hint = f" It looks like {FORMAT_LABELS[seen]}: choose that format." if seen else ""
    return FileProblem(
        f"This is not a {FORMAT_LABELS[expected]} file: no records were found.{hint}"
    )


def read_text(text, file_format):
    """The file's records in `file_format` ("ris", "bib" or "csv")."""
    readers = {"ris": read_ris, "bib": read_bibtex, "csv": read_csv}
    return readers[file_format](text)


# -- Authors ----------------------------------------------------------------------------------


def authors_text(names, organisations=()):
    """The authors field for a list of `Name`s, in the form resources/authors.py reads back to
    the same names: "Jane Smith, Kim Lee" where that works, else "Smith, Jane; Lee, Kim"."""
    names = [name for name in names if name.family or name.organisation]
    if not names:
        return ""
    plain = ", ".join(
        name.full if not name.is_organisation else name.organisation for name in names
    )
    if list(parse_authors(plain, organisations)) == names:
        return plain
    return "; ".join(
        name.organisation if name.is_organisation else f"{name.family}, {name.given}".rstrip(", ")
        for name in names
    )


def filed_name(text):
    """A name as RIS files it: "Family, Given", or an organisation with a trailing comma."""
    text = " ".join(text.split())
    if text.endswith(","):
        return Name(organisation=text[:-1].strip())
    family, _, given = text.partition(",")
    if not given.strip() and " " in family.strip():
        # "Jane Smith" (no comma): read by the hub's own rule.
        parsed = list(parse_authors(family))
        return parsed[0] if parsed else Name(family=family.strip())
    return Name(family=family.strip(), given=given.strip())


def credited_fields(names, organisation_field, values):
    """Put authors in `values`; an organisation credited alone, and named as the publisher or
    institution too, is the entry's organisation rather than its author (how the hub writes
    an entry with no people)."""
    publisher = values.get(organisation_field, "")
    credited = [name.organisation if name.is_organisation else None for name in names]
    if names and credited == [o.strip() for o in publisher.split(";")]:
        values.setdefault("organisation", publisher)
        if organisation_field != "organisation":
            values.pop(organisation_field, None)
        return
    organisations = [o.strip() for o in values.get("organisation", "").split(";") if o.strip()]
    values["authors"] = authors_text(names, organisations)


# -- RIS --------------------------------------------------------------------------------------


def read_ris(text):
    """RIS records (rispy) as RawRecords: TI, AU, PY, JO/T2 (journal) or PB, DO, UR, AB, KW."""
    if not RIS_TAG_LINE.search(text):
        raise wrong_format("ris", text)
    try:
        entries = rispy.loads(text)
    except Exception as error:  # rispy raises bare errors on malformed tags
        raise FileProblem(f"The RIS file could not be read: {error}") from error
    notes = []
    started = len(RIS_TAG_LINE.findall(text))
    if started > len(entries):
        notes.append(
            f"{started - len(entries)} record(s) had no closing “ER  -” line and were left out."
        )
    if not entries:
        raise wrong_format("ris", text)
    return ReadFile([ris_record(number, entry) for number, entry in enumerate(entries, 1)], notes)


def ris_record(number, entry):
    def first(*keys):
        for key in keys:
            value = entry.get(key)
            if isinstance(value, list):
                value = next((item for item in value if item and item.strip()), "")
            if value and value.strip():
                return " ".join(value.split())
        return ""

    record = RawRecord(number)
    values = record.values
    values["title"] = first("title", "primary_title", "translated_title", "short_title")
    year_text = first("year", "publication_year", "date")
    if year_text:
        match = YEAR.search(year_text)
        values["year"] = match[1] if match else year_text
    journal = first("journal_name", "secondary_title", "alternate_title3", "alternate_title1")
    kind_of_work = entry.get("type_of_reference", "")
    publisher = first("publisher")
    organisation_field = "publisher"
    if journal:
        values["publisher"] = journal
        if publisher:
            values["organisation"] = publisher
    elif publisher:
        # A report names the organisation behind it in PB (resources/citations.py).
        organisation_field = "organisation" if kind_of_work == "RPRT" else "publisher"
        values[organisation_field] = publisher
    values["doi"] = first("doi")
    values["url"] = next(
        (url.strip() for url in entry.get("urls", []) if url.strip().lower().startswith("http")),
        first("urls"),
    )
    values["summary"] = first("abstract", "notes_abstract")
    authors = [*entry.get("authors", []), *entry.get("first_authors", [])]
    credited_fields(
        [filed_name(name) for name in authors if name.strip()], organisation_field, values
    )
    record.keywords = [keyword.strip() for keyword in entry.get("keywords", []) if keyword.strip()]
    return record


# -- BibTeX -----------------------------------------------------------------------------------

_BIBTEX_UNESCAPES = sorted(
    ((escaped, char) for char, escaped in BIBTEX_ESCAPES), key=lambda pair: -len(pair[0])
)
BIBTEX_ORGANISATION_FIELDS = {"techreport": "organisation"}


def unescape_bibtex(text):
    """BibTeX text as plain text: the hub's own escapes undone, LaTeX accents as letters,
    grouping braces dropped."""
    text = " ".join((text or "").split())
    placeholders = {}
    for number, (escaped, char) in enumerate(_BIBTEX_UNESCAPES):
        marker = f"\x00{number}\x00"
        placeholders[marker] = char
        text = text.replace(escaped, marker)
    text = latex_to_unicode(text).replace("{", "").replace("}", "")
    for marker, char in placeholders.items():
        text = text.replace(marker, char)
    return text.strip()


def split_bibtex_names(text):
    """The names of a BibTeX author field: parted by " and " outside braces; a braced name
    is an organisation; "others" says et al."""
    names, depth, current = [], 0, ""
    for word in re.split(r"(\s+and\s+|[{}])", text or ""):
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", word or ""):
            names.append(current)
            current = ""
        else:
            current += word or ""
    names.append(current)
    credits = []
    for name in (" ".join(name.split()) for name in names):
        if not name or name == "others":
            continue
        if name.startswith("{") and name.endswith("}") and name.count("{") == 1:
            credits.append(Name(organisation=unescape_bibtex(name)))
        else:
            credits.append(filed_name(unescape_bibtex(name)))
    return credits


def read_bibtex(text):
    """BibTeX records (bibtexparser) as RawRecords: title, author, year, journal, institution
    or publisher, doi, url, abstract, keywords."""
    if not BIBTEX_RECORD.search(text):
        raise wrong_format("bib", text)
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    try:
        entries = bibtexparser.loads(text, parser).entries
    except Exception as error:  # pyparsing's errors, among others
        raise FileProblem(f"The BibTeX file could not be read: {error}") from error
    notes = []
    started = (
        len(BIBTEX_RECORD.findall(text))
        - text.lower().count("@string")
        - text.lower().count("@comment")
        - text.lower().count("@preamble")
    )
    if started > len(entries):
        notes.append(f"{started - len(entries)} record(s) could not be read and were left out.")
    if not entries:
        raise wrong_format("bib", text)
    return ReadFile(
        [bibtex_record(number, entry) for number, entry in enumerate(entries, 1)], notes
    )


def bibtex_record(number, entry):
    record = RawRecord(number)
    values = record.values

    def get(name):
        return unescape_bibtex(entry.get(name, ""))

    values["title"] = get("title")
    year = get("year") or get("date")
    if year:
        match = YEAR.search(year)
        values["year"] = match[1] if match else year
    organisation_field = BIBTEX_ORGANISATION_FIELDS.get(entry.get("ENTRYTYPE", ""), "publisher")
    if get("journal"):
        values["publisher"] = get("journal")
        if get("institution") or get("publisher"):
            values["organisation"] = get("institution") or get("publisher")
    elif get("institution") or get("publisher"):
        values[organisation_field] = get("institution") or get("publisher")
    if get("organization") and "organisation" not in values:
        values["organisation"] = get("organization")
    # URLs and DOIs are written verbatim, percent-encoded (resources/citations.py).
    values["doi"] = unquote(" ".join(entry.get("doi", "").split()))
    values["url"] = " ".join(entry.get("url", "").split()).replace("\\_", "_").replace("\\%", "%")
    values["summary"] = get("abstract")
    credited_fields(split_bibtex_names(entry.get("author", "")), organisation_field, values)
    if not values.get("authors") and entry.get("editor"):
        values["authors"] = authors_text(split_bibtex_names(entry["editor"]))
    record.keywords = [word for word in KEYWORD_SEPARATOR.split(get("keywords")) if word]
    return record


# -- CSV --------------------------------------------------------------------------------------


def unformula(value):
    """A cell as the export meant it: the ' written before a would-be formula removed."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def read_csv(text):
    """CSV rows by their header, against the export's columns: entry fields (any the export
    has, the kind's own included), `kind`, each taxonomy's names joined by "; ", findings.
    The export's read-only columns are passed over; columns it does not have are reported."""
    text = text.lstrip(BYTE_ORDER_MARK)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [" ".join(name.split()).lower() for name in next(reader)]
    except (StopIteration, csv.Error) as error:
        raise wrong_format("csv", text) from error
    export_columns = set(csv_columns())
    if "title" not in header:
        raise FileProblem(
            "This CSV file has no “title” column: it needs the columns of the hub's own CSV "
            f"export ({', '.join(csv_columns()[:6])}, …)."
            + (
                " It looks like RIS or BibTeX: choose that format."
                if looks_like(text) in ("ris", "bib")
                else ""
            )
        )
    unknown = [name for name in header if name and name not in export_columns]
    notes = []
    if unknown:
        notes.append(f"Columns the hub does not know were left out: {', '.join(unknown)}.")
    taxonomies = {taxonomy.plural: taxonomy.name for taxonomy in TAGGING_TAXONOMIES}
    records = []
    try:
        for number, row in enumerate(reader, 1):
            if not any(cell.strip() for cell in row):
                continue
            records.append(csv_record(number, header, row, export_columns, taxonomies))
    except csv.Error as error:
        raise FileProblem(
            f"The CSV file could not be read after row {len(records)}: {error}"
        ) from error
    if not records:
        raise FileProblem("The CSV file has a header but no rows.")
    return ReadFile(records, notes)


def csv_record(number, header, row, export_columns, taxonomies):
    record = RawRecord(number)
    if len(row) > len(header):
        record.warnings.append(f"{len(row) - len(header)} cell(s) beyond the header were left out.")
    for name, cell in zip(header, row, strict=False):
        if name not in export_columns or name in READ_ONLY_COLUMNS:
            continue
        value = unformula(cell.strip())
        if name == "kind":
            record.kind = value.lower()
        elif name in taxonomies:
            record.terms[taxonomies[name]] = [
                part.strip() for part in value.split(";") if part.strip()
            ]
        elif name == "findings":
            record.findings = [part.strip() for part in value.split(";") if part.strip()]
        else:
            record.values[name] = value
    return record
