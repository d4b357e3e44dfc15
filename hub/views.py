"""Site-wide views: home, about, health check and error pages."""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache

from hub.seo import site_structured_data
from newsletter.models import SEND_LOG_DAYS, STALE_PENDING_DAYS
from resources.cache import cached
from resources.context_processors import kind_navigation
from resources.models import Entry, EvidenceStrength, StudyDesign, Topic

logger = logging.getLogger(__name__)


@never_cache
def health(request):
    """200 "ok" when the database answers a query, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check failed: the database did not answer")
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def home(request):
    """The front door: search, the kinds and topics with counts, featured and newest entries."""
    entries = Entry.objects.published()
    featured = list(entries.featured().for_listing().newest_first()[:3])
    # Newest leaves out what Featured already shows, so no card appears twice.
    newest = entries.exclude(pk__in=[entry.pk for entry in featured])
    # The counts aggregate the whole catalogue: kept per catalogue version, like facet counts.
    context = {
        "kind_counts": cached("home:kind-counts", entries.kind_counts),
        "topics": cached("home:topics", lambda: list(Topic.objects.with_published_counts())),
        "featured": featured,
        "newest": newest.for_listing().newest_first()[:6],
        "structured_data": site_structured_data(),
    }
    return render(request, "home.html", context)


def about(request):
    """How the library is curated, what its labels mean, privacy and accessibility."""
    context = {
        "study_designs": StudyDesign.labels,
        "evidence_strengths": EvidenceStrength.labels,
        "pending_days": STALE_PENDING_DAYS,
        "send_log_days": SEND_LOG_DAYS,
        "unsubscribed_retention_days": settings.UNSUBSCRIBED_RETENTION_DAYS,
    }
    return render(request, "about.html", context)


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    """The 500 page renders without the database-reading context processors, so it works with
    the database down; the menu's kind links need none."""
    context = kind_navigation(request)
    return HttpResponseServerError(loader.get_template("500.html").render(context))
