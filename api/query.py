"""The API's reading of a listing's query string: the listings' own filters, read strictly.

`/api/v1/entries/?topic=carers&q=groups` builds the very FilterSet `/search/?topic=carers&q=groups`
builds (resources/filters.py `listing_filterset`), so it lists the same entries in the same
order. `kind` chooses the listing: one kind is that kind's listing (`kind=evidence` is
`/evidence/`, with its own filters such as `effect`), none or several is `/search/` (with
those kinds ticked). Where the HTML pages forgive (an unknown term is dropped, a malformed
year left out), the API answers 400 and names each bad parameter and what it allows.
"""

from dataclasses import dataclass, field

from rest_framework import status
from rest_framework.exceptions import APIException

from resources.filters import FILTERSETS, FacetFilter, Sort, YearFilter, listing_filterset
from resources.kinds import KINDS, Kind
from resources.models import MAX_STORED_YEAR, MIN_YEAR
from resources.search import MAX_QUERY_LENGTH


class InvalidQuery(APIException):
    """A 400 naming every bad parameter: `{"detail": …, "errors": [{"parameter", "value",
    "message", "allowed"?}, …]}`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_query"

    def __init__(self, errors):
        if len(errors) == 1:
            summary = f"{errors[0]['parameter']}: {errors[0]['message']}"
        else:
            summary = f"{len(errors)} query parameters are not valid: see errors."
        super().__init__(summary)
        # As given: DRF would turn every value into a string, a missing `value` into "None".
        self.detail = {"detail": summary, "errors": errors}


@dataclass
class QueryErrors:
    """The problems found in one query string, in the order found."""

    errors: list = field(default_factory=list)

    def add(self, parameter, message, value=None, allowed=None):
        error = {"parameter": parameter, "value": value, "message": message}
        if allowed is not None:
            error["allowed"] = [str(option) for option in allowed]
        self.errors.append(error)

    def raise_any(self):
        if self.errors:
            raise InvalidQuery(self.errors)


def only_parameters(params, allowed, errors):
    """Report every parameter of `params` not named in `allowed`."""
    for name in params:
        if name not in allowed:
            message = unknown_parameter_message(name)
            errors.add(name, message, params.get(name), allowed=allowed)


def unknown_parameter_message(name):
    """Why `name` is refused, saying which listings have it when it is another's filter."""
    listings = [
        f"kind={spec.value}" for spec in KINDS if name in FILTERSETS[spec.value].base_filters
    ]
    if name in FILTERSETS[None].base_filters:
        listings.append("no kind or several")
    if listings:
        return f"This listing has no {name} filter: give it with {' or '.join(listings)}."
    if name == "page":
        return "The API pages with a cursor, not page numbers: follow the next link."
    return f"There is no parameter {name!r} here."


class ListingQuery:
    """A listing query string read strictly: the FilterSet it means (`filterset`), or
    InvalidQuery. `extra` names the endpoint's own parameters (`cursor`), checked by it."""

    def __init__(self, params, extra=(), errors=None):
        self.errors = errors if errors is not None else QueryErrors()
        self.kind = self._read_kind(params.getlist("kind"))
        data = params.copy()
        if self.kind:
            data.pop("kind")
        self.filterset = listing_filterset(data, kind=self.kind)
        fields = self.filterset.form.fields
        self.allowed = list(dict.fromkeys([*self.filterset.filters, *fields, "kind", *extra]))
        only_parameters(params, self.allowed, self.errors)
        for name in fields:
            if name in params and name != "kind":
                self._check(name, params.getlist(name))
        self._check_together()

    def _read_kind(self, values):
        """The one kind listed, or None for every kind (no kind, or several: /search/)."""
        for value in values:
            if value not in Kind.values:
                self.errors.add("kind", f"There is no kind {value!r}.", value, Kind.values)
        kinds = list(dict.fromkeys(value for value in values if value in Kind.values))
        return kinds[0] if len(kinds) == 1 else None

    def _check(self, name, values):
        facet = self.filterset.filters.get(name)
        if isinstance(facet, FacetFilter):
            options = [value for value, _ in facet.options()]
            for value in values:
                if value not in options:
                    label = facet.label.lower()
                    self.errors.add(name, f"There is no {label} {value!r}.", value, options)
            return
        if len(values) > 1:
            self.errors.add(name, f"Give {name} once, not {len(values)} times.", values[-1])
            return
        [value] = values
        if name == "sort":
            if value and value not in Sort.values:
                self.errors.add(name, f"There is no sort order {value!r}.", value, Sort.values)
        elif name == "q":
            if len(value) > MAX_QUERY_LENGTH:
                message = f"A search is at most {MAX_QUERY_LENGTH} characters long."
                self.errors.add(name, message, value[:MAX_QUERY_LENGTH])
        elif name in self.filterset.form.errors:
            message = self.filterset.form.errors[name][0]
            if isinstance(facet, YearFilter):
                message = f"{message} Years run from {MIN_YEAR} to {MAX_STORED_YEAR}."
            self.errors.add(name, message, value)

    def _check_together(self):
        cleaned = self.filterset.cleaned
        if cleaned.get("sort") == Sort.RELEVANCE and not self.filterset.query:
            message = "Sorting by relevance needs a search: give q too, or another sort."
            self.errors.add("sort", message, Sort.RELEVANCE, Sort.values)
        first, last = cleaned.get("year_min"), cleaned.get("year_max")
        if first is not None and last is not None and first > last:
            message = f"year_min ({first}) is after year_max ({last})."
            self.errors.add("year_min", message, str(first))

    def raise_any(self):
        self.errors.raise_any()
        return self
