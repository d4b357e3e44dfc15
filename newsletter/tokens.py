"""Signed tokens for the links in newsletter emails.

A token carries only the subscriber's id, signed with SECRET_KEY and a per-purpose salt, so a
confirm token cannot be used to unsubscribe (or the reverse) and any edit is detected.
Confirm links expire; unsubscribe links never do, because old emails must keep working.
"""

import datetime

from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
CONFIRM_MAX_AGE = datetime.timedelta(days=7)


class InvalidToken(Exception):
    """The token was altered, truncated or signed for another purpose."""


class ExpiredToken(InvalidToken):
    """The token is genuine but older than it may be."""


def make_confirm_token(subscriber):
    return signing.dumps(subscriber.pk, salt=CONFIRM_SALT)


def make_unsubscribe_token(subscriber):
    return signing.dumps(subscriber.pk, salt=UNSUBSCRIBE_SALT)


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
