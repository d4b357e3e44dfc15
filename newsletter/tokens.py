"""Signed tokens for the links in newsletter emails.

A token carries only the subscriber's id, signed with SECRET_KEY and a per-purpose salt, so a
confirm token cannot be used to unsubscribe (or the reverse) and any edit is detected.
Confirm links expire; unsubscribe links never do, because old emails must keep working.

Preferences links (change topics, or leave) expire after PREFERENCES_LINK_MAX_AGE_DAYS (365):
long enough that the link in any newsletter of the past year still opens the page (every
newsletter carries a fresh one, so a reader never meets an expired link in a recent email),
short enough that a link forwarded or left in an old mailbox stops showing the person's
address and topics. Leaving never depends on it: the unsubscribe link in the same email
never expires, and an expired preferences link can still ask for a fresh one to be emailed
to the subscriber's own address.
"""

import datetime

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
PREFERENCES_SALT = "newsletter.preferences"
CONFIRM_MAX_AGE = datetime.timedelta(days=7)


class InvalidToken(Exception):
    """The token was altered, truncated or signed for another purpose."""


class ExpiredToken(InvalidToken):
    """The token is genuine but older than it may be."""


def make_confirm_token(subscriber):
    return signing.dumps(subscriber.pk, salt=CONFIRM_SALT)


def make_unsubscribe_token(subscriber):
    return signing.dumps(subscriber.pk, salt=UNSUBSCRIBE_SALT)


def make_preferences_token(subscriber):
    return signing.dumps(subscriber.pk, salt=PREFERENCES_SALT)


def preferences_max_age():
    """How long a preferences link works (the PREFERENCES_LINK_MAX_AGE_DAYS setting)."""
    return datetime.timedelta(days=settings.PREFERENCES_LINK_MAX_AGE_DAYS)


def _read(token, *, salt, max_age=None):
    try:
        subscriber_id = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise InvalidToken from error
    if not isinstance(subscriber_id, int):
        raise InvalidToken
    return subscriber_id


def read_confirm_token(token):
    """The subscriber id in a confirm token; ExpiredToken after 7 days, InvalidToken if forged."""
    return _read(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)


def read_unsubscribe_token(token):
    """The subscriber id in an unsubscribe token; InvalidToken if forged."""
    return _read(token, salt=UNSUBSCRIBE_SALT)


def read_preferences_token(token, *, check_age=True):
    """The subscriber id in a preferences token; ExpiredToken after PREFERENCES_LINK_MAX_AGE_DAYS,
    InvalidToken if forged. `check_age=False` accepts a genuine but expired one (to send the
    same person a fresh link)."""
    max_age = preferences_max_age() if check_age else None
    return _read(token, salt=PREFERENCES_SALT, max_age=max_age)
