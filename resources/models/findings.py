"""Findings: what an evidence entry reports for one outcome, and in which direction.

Findings say what an item reports, not how good it is (that is the evidence strength). They
feed the outcome and effect facets, the evidence map and the topic pages.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Direction(models.TextChoices):
    POSITIVE = "positive", "Positive"
    MIXED = "mixed", "Mixed"
    NO_DIFFERENCE = "no_difference", "No difference"
    NEGATIVE = "negative", "Negative"
    INSUFFICIENT = "insufficient", "Too little evidence"


DIRECTION_DESCRIPTIONS = {
    Direction.POSITIVE: "The item reports that peer support improved this outcome.",
    Direction.MIXED: "Some studies or measures improved, others did not, or the effect was "
    "inconsistent.",
    Direction.NO_DIFFERENCE: "The item reports no significant difference from the comparison.",
    Direction.NEGATIVE: "The item reports that this outcome got worse with peer support.",
    Direction.INSUFFICIENT: "The item says the evidence on this outcome is too thin or uncertain "
    "to judge.",
}

# Shown beside the words wherever a direction appears, so that it never rests on colour alone.
DIRECTION_SYMBOLS = {
    Direction.POSITIVE: "+",
    Direction.MIXED: "±",
    Direction.NO_DIFFERENCE: "=",
    Direction.NEGATIVE: "−",
    Direction.INSUFFICIENT: "?",
}

OUTCOME_TAXONOMY = "outcome"


def validate_outcome_term(term_id):
    """A finding's outcome must be a term of the outcome taxonomy."""
    from resources.models.terms import Term

    if not Term.objects.filter(pk=term_id, taxonomy=OUTCOME_TAXONOMY).exists():
        raise ValidationError("Choose an outcome.", code="not_an_outcome")


class Finding(models.Model):
    """One evidence entry's finding for one outcome: the direction of the effect it reports."""

    entry = models.ForeignKey(
        "resources.Entry", on_delete=models.CASCADE, related_name="findings", db_index=False
    )
    outcome = models.ForeignKey(
        "resources.Term",
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"taxonomy": OUTCOME_TAXONOMY},
        validators=[validate_outcome_term],
    )
    direction = models.CharField(
        "effect", max_length=20, choices=Direction.choices, help_text="What the item reports."
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Optional, one line: what was measured, or for whom.",
    )

    class Meta:
        ordering = ["outcome__position", "outcome__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "outcome"],
                name="finding_one_per_outcome",
                violation_error_message="This entry already has a finding for this outcome.",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="finding_direction_valid"
            ),
        ]
        # The effect and outcome facets and the map count findings by outcome and direction.
        indexes = [
            models.Index(fields=["outcome", "direction", "entry"], name="finding_outcome_idx"),
            models.Index(fields=["direction", "entry"], name="finding_direction_idx"),
        ]

    def __str__(self):
        return f"{self.outcome}: {self.get_direction_display()}"

    @property
    def symbol(self):
        return DIRECTION_SYMBOLS[self.direction]

    @property
    def listing_url(self):
        """The entry's listing filtered by this outcome: /evidence/?outcome=wellbeing."""
        return self.outcome.filtered_url(self.entry.listing_url)
