"""Downloads of every result of a listing: CSV, JSON, RIS and BibTeX.

`/evidence/export.csv?topic=carers` holds every entry `/evidence/?topic=carers` lists, in the
listing's order, not one page of them. Files are streamed: the entries are read from the
database in chunks and written as they come, so an export of the whole catalogue takes as
little memory as one of ten entries. JSON rows are the public records of resources/records.py
(what the read API serves too); RIS and BibTeX records are the detail pages' citations
(resources/citations.py), so one file imports a whole listing into a reference manager.
"""

import csv
import json
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from hub.ratelimit import is_rate_limited
from resources.citations import FORMATS as CITATION_FORMATS
from resources.citations import Citation
from resources.filters import FacetFilter, listing_filterset
from resources.kinds import kind_spec
from resources.records import (
    ENTRY_RECORD_DATES,
    ENTRY_RECORD_FIELDS,
    entry_records,
    has_findings,
    kind_fields,
)
from resources.taxonomies import TAGGING_TAXONOMIES

# Rows read from the database at a time: memory holds one chunk (and its terms), never more.
CHUNK_SIZE = 500
# Rows written to the response in one piece: fewer, larger writes than one per row.
ROWS_PER_WRITE = 100
EXPORT_WINDOW_SECONDS = 600
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"
# How the CSV writes yes-or-no fields (`co_produced`), and so how a reader takes them back.
CSV_BOOLEANS = {"yes": True, "no": False}


@dataclass(frozen=True)
class ExportFormat:
    """One downloadable format of a listing: its extension, its name on the page, its type."""

    extension: str
    label: str
    content_type: str


EXPORT_FORMATS = {
    "csv": ExportFormat("csv", "CSV (spreadsheet)", "text/csv; charset=utf-8"),
    "json": ExportFormat("json", "JSON (data)", "application/json"),
    **{
        extension: ExportFormat(extension, file.label, f"{file.content_type}; charset=utf-8")
        for extension, file in CITATION_FORMATS.items()
    },
}


def listing_name(kind=None):
    """The listing's name in URLs and file names: "evidence", or "search" for every kind."""
    return kind_spec(kind).url_prefix if kind else "search"


def listing_url_name(kind, what):
    """The URL name of a listing's `what` ("export-csv", "feed"): resources:evidence-feed."""
    return f"resources:{kind or 'search'}-{what}"


def export_links(filterset, kind=None):
    """Each format's download of every result of this listing, with its filters, search and
    sort (not its page), as `{"label", "url", "extension"}`."""
    state = filterset.query_state()
    query = f"?{state.urlencode()}" if state else ""
    return [
        {
            "label": file_format.label,
            "extension": extension,
            "url": reverse(listing_url_name(kind, f"export-{extension}")) + query,
        }
        for extension, file_format in EXPORT_FORMATS.items()
    ]


def listing_export(request, extension, kind=None):
    """/<listing>/export.<csv|json|ris|bib>: every result of the listing with the same query
    string, as one streamed file. Bad parameters are forgiven as on the listing itself."""
    limit = settings.EXPORT_RATE_LIMIT
    if is_rate_limited(request, "listing-export", limit, EXPORT_WINDOW_SECONDS):
        response = render(
            request, "429.html", {"retry_minutes": EXPORT_WINDOW_SECONDS // 60}, status=429
        )
        response["Retry-After"] = str(EXPORT_WINDOW_SECONDS)
        return response
    filterset = listing_filterset(request.GET, kind=kind)
    filename = f"{listing_name(kind)}-{timezone.localdate():%Y-%m-%d}.{extension}"
    return StreamingHttpResponse(
        batched(export_pieces(filterset, extension, request, kind)),
        content_type=EXPORT_FORMATS[extension].content_type,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def export_pieces(filterset, extension, request, kind=None):
    """The file's text piece by piece, from the listing's entries read in its order a chunk
    at a time."""
    entries = filterset.qs
    if extension == "ris":
        return (Citation(entry).ris() for entry in entries.iterator(chunk_size=CHUNK_SIZE))
    if extension == "bib":
        return (
            Citation(entry).bibtex() + "\n" for entry in entries.iterator(chunk_size=CHUNK_SIZE)
        )
    # Records leave out the Markdown body, often the longest column.
    entries = entries.defer("body").iterator(chunk_size=CHUNK_SIZE)
    records = entry_records(entries, request, chunk_size=CHUNK_SIZE)
    if extension == "csv":
        return csv_lines(records, kind)
    return json_pieces(records, filterset)


def batched(pieces, size=ROWS_PER_WRITE):
    """Join every `size` strings into one, so the server writes the file in fewer pieces."""
    pieces = iter(pieces)
    while batch := "".join(islice(pieces, size)):
        yield batch


# -- CSV ------------------------------------------------------------------------------------


def csv_columns(kind=None):
    """The CSV header of a listing of `kind` (None: every kind): the record's fields, the
    kind's own fields, one column per taxonomy, the findings, then the dates."""
    columns = [*ENTRY_RECORD_FIELDS, *kind_fields(kind)]
    columns += [taxonomy.plural for taxonomy in TAGGING_TAXONOMIES]
    if has_findings(kind):
        columns.append("findings")
    return [*columns, *ENTRY_RECORD_DATES]


def csv_row(record, columns):
    """One record as CSV cells: terms joined with "; ", every cell safe from formulas."""
    cells = {name: csv_boolean(value) for name, value in record.items()}
    for taxonomy in TAGGING_TAXONOMIES:
        cells[taxonomy.plural] = "; ".join(term["name"] for term in record["terms"][taxonomy.name])
    cells["findings"] = "; ".join(_finding_cell(finding) for finding in record.get("findings", []))
    return [formula_safe(cells.get(column)) for column in columns]


def csv_boolean(value):
    """`yes` or `no` for a yes-or-no value (CSV_BOOLEANS); any other value as it is."""
    if isinstance(value, bool):
        return next(text for text, meaning in CSV_BOOLEANS.items() if meaning is value)
    return value


def _finding_cell(finding):
    """One finding as the CSV writes it: `Wellbeing: positive (at six months)`."""
    text = f"{finding['outcome']['name']}: {finding['direction']}"
    return f"{text} ({finding['note']})" if finding["note"] else text


def formula_safe(value):
    """A cell's text, with a leading ' where a spreadsheet would otherwise run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return f"'{value}"
    return value


class _Echo:
    """A file-like object whose write returns what it is given, so `csv.writer` makes lines
    for a streamed response instead of writing them anywhere."""

    def write(self, text):
        return text


def csv_lines(records, kind=None):
    """The CSV file, line by line: a byte order mark (for Excel), the header, one row each."""
    writer = csv.writer(_Echo())
    columns = csv_columns(kind)
    yield BYTE_ORDER_MARK + writer.writerow(columns)
    for record in records:
        yield writer.writerow(csv_row(record, columns))


# -- JSON -----------------------------------------------------------------------------------


def export_query(filterset):
    """The filters, search and sort the export applied: unknown and malformed values left out."""
    query = {}
    for name, value in filterset.cleaned.items():
        if name in ("sort", "page") or value in (None, "", []):
            continue
        is_list = isinstance(filterset.filters.get(name), FacetFilter)
        query[name] = list(value) if is_list else value
    query["sort"] = str(filterset.sort)
    return query


def json_pieces(records, filterset):
    """`{"count": N, "query": {…}, "results": [record, …]}`, written one record at a time."""
    head = {"count": filterset.result_count, "query": export_query(filterset)}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "results": ['
    separator = ""
    for record in records:
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ", "
    yield "]}\n"
