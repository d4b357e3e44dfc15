"""The catalogue's models: entries (entries.py), taxonomy terms (terms.py), shared rules (base.py).

Kinds and taxonomies are registries (resources/kinds.py, resources/taxonomies.py); their
proxy models (`Evidence`, `Topic`, …) are made from them and importable from here.
"""

from resources.kinds import (
    KINDS,
    Cost,
    EvidenceStrength,
    Kind,
    ResourceFormat,
    StudyDesign,
    ToolFormat,
)
from resources.models.base import (
    DOI_PATTERN,
    MAX_STORED_YEAR,
    MIN_YEAR,
    KindProxyMixin,
    Status,
    max_year,
    normalise_doi,
    validate_doi,
    validate_year,
)
from resources.models.entries import KIND_MODELS, Entry, EntryQuerySet
from resources.models.terms import TAXONOMY_MODELS, EntryTerm, Term, TermQuerySet

Resource = KIND_MODELS[Kind.RESOURCE]
Tool = KIND_MODELS[Kind.TOOL]
Evidence = KIND_MODELS[Kind.EVIDENCE]
Topic = TAXONOMY_MODELS["topic"]
Approach = TAXONOMY_MODELS["approach"]
Audience = TAXONOMY_MODELS["audience"]
Population = TAXONOMY_MODELS["population"]
Region = TAXONOMY_MODELS["region"]

__all__ = [
    "DOI_PATTERN", "KINDS", "KIND_MODELS", "MAX_STORED_YEAR", "MIN_YEAR", "TAXONOMY_MODELS",
    "Approach", "Audience", "Cost", "Entry", "EntryQuerySet", "EntryTerm", "Evidence",
    "EvidenceStrength", "Kind", "KindProxyMixin", "Population", "Region", "Resource",
    "ResourceFormat", "Status", "StudyDesign", "Term", "TermQuerySet", "Tool", "ToolFormat",
    "Topic", "max_year", "normalise_doi", "validate_doi", "validate_year",
]  # fmt: skip
