"""What a digest says to each subscriber: the entries published in its period on their topics.

The matching is made for many thousands of people at once. `DigestPlan` reads the period's
entries with their topic ids once (two queries); the people's topics come in one query
(`topic_sets`); and people are grouped by their set of topics, so that each distinct set is
matched and its items rendered once (`DigestPlan.content_for`), however many share it. Only
the wrapper (greeting, unsubscribe link) is rendered per person, by `digest_email`.

Someone who chose no topics gets everything. Someone whose topics have nothing new gets, as
the issue says (`when_nothing_new`), either nothing (skipped) or the introduction and the
period's most notable items: its featured entries first, then the newest, NOTABLE_ITEMS in
all, across every topic.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.text import Truncator

from newsletter.emails import newsletter_email
from newsletter.models import Subscriber, WhenNothingNew
from resources.kinds import KINDS
from resources.markdown import render_markdown
from resources.models import Entry, EntryTerm, Topic

NOTABLE_ITEMS = 5
SUMMARY_CHARACTERS = 200
# A sentence ends at . ! or ? followed by a space and a capital letter or digit, so that
# "e.g. peer" or "Smith et al. found" do not end one.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")


def one_line(summary):
    """The first sentence of a summary, cut at SUMMARY_CHARACTERS with an ellipsis."""
    text = " ".join((summary or "").split())
    first = SENTENCE_END.split(text, maxsplit=1)[0]
    return Truncator(first).chars(SUMMARY_CHARACTERS)


@dataclass(frozen=True)
class DigestItem:
    """One entry as a digest shows it."""

    pk: int
    kind: str
    title: str
    summary: str
    url: str
    topic_ids: frozenset
    featured: bool


@dataclass
class DigestContent:
    """What one set of topics receives: items by kind, rendered once for everyone sharing it."""

    sections: list  # (kind plural, [DigestItem]) in the kind registry's order
    notable: bool  # nothing new on their topics: the most notable items instead
    topic_names: list
    html: str = ""
    text: str = ""
    item_count: int = field(init=False)

    def __post_init__(self):
        self.item_count = sum(len(items) for _, items in self.sections)


def sections_of(items):
    """Items grouped by kind, in the registry's order (Resources, Tools, Evidence), empty
    kinds left out."""
    by_kind = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    return [(spec.plural, by_kind[spec.value]) for spec in KINDS if by_kind[spec.value]]


class DigestPlan:
    """An issue's period, read once, and the content each set of topics gets from it."""

    def __init__(self, issue, now=None):
        self.issue = issue
        self.start, self.end = issue.period(now)
        self.intro_html = render_markdown(issue.intro)
        period = Entry.objects.published().filter(
            published_at__gte=self.start, published_at__lt=self.end
        )
        entries = list(
            period.order_by("-published_at", "-pk").only(
                "pk", "kind", "title", "slug", "summary", "featured", "published_at"
            )
        )
        topics_of = defaultdict(set)
        # A subquery, not a list of ids: a busy period may hold more entries than a query
        # may have parameters.
        for entry_id, topic_id in EntryTerm.objects.filter(
            entry__in=period.values("pk"), term__taxonomy="topic"
        ).values_list("entry_id", "term_id"):
            topics_of[entry_id].add(topic_id)
        self.items = [
            DigestItem(
                pk=entry.pk,
                kind=entry.kind,
                title=entry.title,
                summary=one_line(entry.summary),
                url=entry.canonical_url,
                topic_ids=frozenset(topics_of[entry.pk]),
                featured=entry.featured,
            )
            for entry in entries
        ]
        self.notable_items = sorted(self.items, key=lambda item: not item.featured)[:NOTABLE_ITEMS]
        self._topic_names = None
        self._contents = {}

    def matching(self, topic_ids):
        """The period's items on any of these topics; every item when there are none."""
        if not topic_ids:
            return list(self.items)
        return [item for item in self.items if item.topic_ids & topic_ids]

    def content_for(self, topic_ids):
        """What someone with these topic ids receives (rendered), or None when they are
        skipped; computed once per distinct set of topics."""
        topic_ids = frozenset(topic_ids)
        if topic_ids not in self._contents:
            self._contents[topic_ids] = self._build(topic_ids)
        return self._contents[topic_ids]

    def _build(self, topic_ids):
        items = self.matching(topic_ids)
        notable = not items
        if notable:
            if self.issue.when_nothing_new == WhenNothingNew.SKIP:
                return None
            items = self.notable_items
        content = DigestContent(
            sections=sections_of(items),
            notable=notable,
            topic_names=self.topic_names(topic_ids),
        )
        context = {"content": content}
        content.html = render_to_string("newsletter/email/digest_items.html", context)
        content.text = render_to_string("newsletter/email/digest_items.txt", context)
        return content

    def topic_names(self, topic_ids):
        if self._topic_names is None:
            self._topic_names = dict(Topic.objects.values_list("pk", "name"))
        return sorted(self._topic_names[pk] for pk in topic_ids if pk in self._topic_names)

    def audience(self, topic_sets):
        """How many of the people with these topic sets ({subscriber id: set}) get items on
        their topics, the notable items instead, or nothing: a Counter."""
        skip = self.issue.when_nothing_new == WhenNothingNew.SKIP
        counts = Counter()
        for topics, people in Counter(frozenset(t) for t in topic_sets.values()).items():
            # Counted without rendering: a preview at 10,000 people has ~1,800 distinct sets.
            matched = not topics or any(item.topic_ids & topics for item in self.items)
            counts["matched" if matched else "skipped" if skip else "notable"] += people
        return counts


def topic_sets(subscriber_ids=None):
    """{subscriber id: frozenset of topic ids} for these subscribers (every digest recipient
    when None); one query for the topics, plus one for the ids when they are not given."""
    if subscriber_ids is None:
        subscriber_ids = list(
            Subscriber.objects.digest_recipients().values_list("pk", flat=True).iterator()
        )
        links = Subscriber.topics.through.objects.filter(
            subscriber__in=Subscriber.objects.digest_recipients()
        )
    else:
        links = Subscriber.topics.through.objects.filter(subscriber_id__in=subscriber_ids)
    sets = {pk: set() for pk in subscriber_ids}
    for subscriber_id, topic_id in links.values_list("subscriber_id", "topic_id").iterator():
        if subscriber_id in sets:
            sets[subscriber_id].add(topic_id)
    return {pk: frozenset(topics) for pk, topics in sets.items()}


def digest_email(subscriber, plan, content, *, subject=None):
    """The email for one subscriber: the issue's introduction and their (pre-rendered) items,
    with their own unsubscribe links and headers (newsletter_email)."""
    return newsletter_email(
        subscriber,
        subject=subject or plan.issue.subject,
        template="digest",
        context={
            "issue": plan.issue,
            "intro_html": plan.intro_html,
            "content": content,
            "period_start": plan.start,
            "period_end": plan.end,
        },
    )
