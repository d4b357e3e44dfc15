"""The curators' dashboard: the admin's home page says what is waiting for them.

Each card is a count with links to the admin lists that show exactly those items: suggestions
waiting, entries in review, drafts, broken and moved
links, entries due for review, each kind's count linking to its own screen's filter. Below
them, the latest changes to entries, by whom. A card appears only to those who may view the
lists it links to, and counts only the kinds they may view.

The whole page costs a fixed handful of queries, each answered from an index (see the README's
dashboard figures at 100,000 entries): one grouped count per kind of card, one for the recent
changes, whatever the size of the catalogue.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from resources.kinds import KINDS
from resources.models import KIND_MODELS, Entry, LinkCheck, LinkState, Status
from suggestions.models import Suggestion

RECENT_CHANGES = 10


@dataclass(frozen=True)
class CardLink:
    """One count of a card, and the admin list showing exactly those items."""

    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Card:
    """A dashboard card: what it counts, the total and a link per list (one per kind)."""

    key: str
    title: str
    description: str
    links: list = field(default_factory=list)

    @property
    def count(self):
        return sum(link.count for link in self.links)


@dataclass(frozen=True)
class RecentChange:
    """One history version of an entry: who made it, when, what and why."""

    title: str
    kind_label: str
    action: str
    user: str
    when: object
    reason: str
    history_url: str


def viewable_kinds(request, site):
    """The kinds (their specs) whose admin screen the user may view."""
    return [
        spec
        for spec in KINDS
        if site.is_registered(KIND_MODELS[spec.value])
        and site.get_model_admin(KIND_MODELS[spec.value]).has_view_or_change_permission(request)
    ]


def changelist_url(kind, **filters):
    """The admin list of one kind's entries, filtered: `?status__exact=draft`, `?link=broken`."""
    return f"{reverse(f'admin:resources_{kind}_changelist')}?{urlencode(filters)}"


def _kind_links(specs, counts, **filters):
    """A card's links: one per kind, with its count from `counts` ({kind: count})."""
    return [
        CardLink(spec.plural, counts.get(spec.value, 0), changelist_url(spec.value, **filters))
        for spec in specs
    ]


def counts_by_kind(queryset, group, kind):
    """{value of `group`: {kind: count}} over `queryset`, in one grouped query."""
    counts = {}
    rows = queryset.order_by().values_list(group, kind).annotate(count=Count("*"))
    for value, kind_value, count in rows:
        counts.setdefault(value, {})[kind_value] = count
    return counts


def entry_cards(specs):
    """The cards about entries, for these kinds: in review, drafts, broken and moved links,
    due for review. Three grouped counts of every kind (a kind the user may not view is
    simply not shown), each read from indexes alone."""
    by_status = counts_by_kind(
        Entry.objects.filter(status__in=[Status.IN_REVIEW, Status.DRAFT]), "status", "kind"
    )
    # Both sides of the join read from indexes alone: (state, entry) and (id, kind).
    by_link_state = counts_by_kind(
        LinkCheck.objects.filter(state__in=[LinkState.BROKEN, LinkState.MOVED]),
        "state",
        "entry__kind",
    )
    due = Entry.objects.due_for_review_by_kind()
    return [
        Card(
            "in_review",
            "Entries in review",
            "Ready for a second curator to check and publish.",
            _kind_links(specs, by_status.get(Status.IN_REVIEW, {}), status__exact=Status.IN_REVIEW),
        ),
        Card(
            "drafts",
            "Drafts",
            "Being written; not on the site.",
            _kind_links(specs, by_status.get(Status.DRAFT, {}), status__exact=Status.DRAFT),
        ),
        Card(
            "broken_links",
            "Broken links",
            "The link checker could not open them, three tries in a row.",
            _kind_links(specs, by_link_state.get(LinkState.BROKEN, {}), link=LinkState.BROKEN),
        ),
        Card(
            "moved_links",
            "Moved links",
            "Permanently redirected: check the new address and update the link.",
            _kind_links(specs, by_link_state.get(LinkState.MOVED, {}), link=LinkState.MOVED),
        ),
        Card(
            "due_for_review",
            "Due for review",
            "Published entries not reviewed for a while: check them and mark them reviewed.",
            _kind_links(specs, due, review="due"),
        ),
    ]


def suggestions_card(request, site):
    """Suggestions waiting for a decision, when the user may view them; else None."""
    if not site.is_registered(Suggestion):
        return None
    if not site.get_model_admin(Suggestion).has_view_or_change_permission(request):
        return None
    url = reverse("admin:suggestions_suggestion_changelist") + "?status__exact=new"
    waiting = Suggestion.objects.waiting().count()
    return Card(
        "suggestions",
        "Suggestions waiting",
        "Suggested by the public; accept or decline each one.",
        [CardLink("Suggestions", waiting, url)],
    )


def recent_changes(specs, limit=RECENT_CHANGES):
    """The latest history versions of entries of these kinds, newest first, each with who
    made it and a link to the entry's history: one query."""
    labels = {spec.value: spec.label for spec in specs}
    versions = Entry.history.all()
    if len(specs) < len(KINDS):
        versions = versions.filter(kind__in=labels)
    versions = (
        versions.select_related("history_user")
        .only(
            "id",
            "kind",
            "title",
            "history_date",
            "history_type",
            "history_change_reason",
            "history_user__username",
            "history_user__first_name",
            "history_user__last_name",
        )  # fmt: skip
        .order_by("-history_date", "-history_id")[:limit]
    )
    return [
        RecentChange(
            title=version.title,
            kind_label=labels[version.kind],
            action=version.get_history_type_display(),
            user=_name_of(version.history_user),
            when=version.history_date,
            reason=version.history_change_reason or "",
            history_url=reverse(f"admin:resources_{version.kind}_history", args=[version.id]),
        )
        for version in versions
    ]


def _name_of(user):
    """Who made a change, as the admin names people: full name, else username."""
    if user is None:
        return "A command or script"
    return user.get_full_name() or user.get_username()


def dashboard(request, site):
    """The dashboard's context: `dashboard_cards` (the cards this user may see) and
    `recent_changes`."""
    specs = viewable_kinds(request, site)
    cards = [suggestions_card(request, site)]
    if specs:
        cards += entry_cards(specs)
    return {
        "dashboard_cards": [card for card in cards if card is not None],
        "recent_changes": recent_changes(specs) if specs else [],
    }
