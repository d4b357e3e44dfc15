"""Small factories for tests: `EntryFactory(kind="tool", topics=[topic])`."""

import factory
from django.utils import timezone
from django.utils.text import slugify

from resources.models import Approach, Audience, Entry, Kind, Population, Region, Status, Topic


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


class EntryFactory(factory.django.DjangoModelFactory):
    """A published resource unless told otherwise; pass taxonomy terms as lists."""

    class Meta:
        model = Entry
        skip_postgeneration_save = True

    kind = Kind.RESOURCE
    title = factory.Sequence(lambda n: f"Peer support entry {n}")
    slug = factory.LazyAttribute(lambda entry: slugify(entry.title))
    summary = "A short factual description of a peer support item."
    status = Status.PUBLISHED
    year = 2020

    @factory.post_generation
    def topics(self, create, terms):
        if create and terms:
            self.topics.set(terms)

    @factory.post_generation
    def approaches(self, create, terms):
        if create and terms:
            self.approaches.set(terms)

    @factory.post_generation
    def audiences(self, create, terms):
        if create and terms:
            self.audiences.set(terms)

    @factory.post_generation
    def populations(self, create, terms):
        if create and terms:
            self.populations.set(terms)

    @factory.post_generation
    def regions(self, create, terms):
        if create and terms:
            self.regions.set(terms)


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
