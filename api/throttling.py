"""How often one client may call the API: API_THROTTLE_RATE per client address."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from hub.ratelimit import client_address


class ClientRateThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, counted per client address as the hub's other rate limits are
    (X-Forwarded-For trusted only as far as TRUSTED_PROXY_COUNT), at the rate of the setting
    read per request, so a changed setting applies without a restart of the class."""

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_ident(self, request):
        return client_address(request)
