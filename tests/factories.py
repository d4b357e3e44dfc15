"""Small factories for tests: `EntryFactory(kind="tool", topics=[topic])`."""

import factory
from django.utils import timezone
from django.utils.text import slugify

from resources import services
from resources.models import (
    Approach,
    Audience,
    Entry,
    Finding,
    Kind,
    Outcome,
    Population,
    Region,
    Status,
    Topic,
)
from resources.taxonomies import TAGGING_TAXONOMIES


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Term {n}")
    slug = factory.LazyAttribute(lambda term: slugify(term.name))


class TopicFactory(TermFactory):
    class Meta:
        model = Topic


class ApproachFactory(TermFactory):
    class Meta:
        model = Approach


class AudienceFactory(TermFactory):
    class Meta:
        model = Audience


class PopulationFactory(TermFactory):
    class Meta:
        model = Population


class RegionFactory(TermFactory):
    class Meta:
        model = Region


class OutcomeFactory(TermFactory):
    class Meta:
        model = Outcome


class EntryFactory(factory.django.DjangoModelFactory):
    """A published resource unless told otherwise; pass taxonomy terms as lists."""

    class Meta:
        model = Entry

    kind = Kind.RESOURCE
    title = factory.Sequence(lambda n: f"Peer support entry {n}")
    slug = factory.LazyAttribute(lambda entry: slugify(entry.title))
    summary = "A short factual description of a peer support item."
    status = Status.PUBLISHED
    year = 2020

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved as curators' entries are, through resources.services, with the terms given
        as `topics=[…]`, `regions=[…]` (each taxonomy's plural) and, for evidence, findings
        as `findings=[(outcome, "positive"), (outcome, "mixed", "a note")]`."""
        terms = [term for t in TAGGING_TAXONOMIES for term in kwargs.pop(t.plural, None) or []]
        findings = [
            Finding(outcome=outcome, direction=direction, note=note[0] if note else "")
            for outcome, direction, *note in kwargs.pop("findings", None) or []
        ]
        entry = model_class(*args, **kwargs)
        return services.save_entry(entry, terms=terms, findings=findings or None)


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A pending newsletter signup; `SubscriberFactory(confirmed=True)` for a confirmed one."""

    class Meta:
        model = "newsletter.Subscriber"

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    consent_text = "I agree to receive the newsletter."

    class Params:
        confirmed = factory.Trait(
            status="confirmed",
            confirmed_at=factory.LazyFunction(timezone.now),
            consented_at=factory.LazyFunction(timezone.now),
        )
        unsubscribed = factory.Trait(
            status="unsubscribed", unsubscribed_at=factory.LazyFunction(timezone.now)
        )
