"""The catalogue's models: entries (entries.py), taxonomy terms (terms.py), findings
(findings.py), shared rules (base.py).

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
    RESERVED_SLUGS,
    KindProxyMixin,
    Status,
    max_year,
    normalise_doi,
    normalise_title,
    validate_doi,
    validate_year,
)
from resources.models.entries import KIND_MODELS, Entry, EntryQuerySet
from resources.models.findings import (
    DIRECTION_DESCRIPTIONS,
    DIRECTION_SYMBOLS,
    Direction,
    Finding,
)
from resources.models.links import LinkCheck, LinkState
from resources.models.terms import TAXONOMY_MODELS, EntryTerm, Term, TermQuerySet

Resource = KIND_MODELS[Kind.RESOURCE]
Tool = KIND_MODELS[Kind.TOOL]
Evidence = KIND_MODELS[Kind.EVIDENCE]
Topic = TAXONOMY_MODELS["topic"]
Approach = TAXONOMY_MODELS["approach"]
Audience = TAXONOMY_MODELS["audience"]
Population = TAXONOMY_MODELS["population"]
Region = TAXONOMY_MODELS["region"]
Outcome = TAXONOMY_MODELS["outcome"]

__all__ = [
    "DIRECTION_DESCRIPTIONS", "DIRECTION_SYMBOLS", "DOI_PATTERN", "KINDS", "KIND_MODELS",
    "MAX_STORED_YEAR", "MIN_YEAR", "RESERVED_SLUGS", "TAXONOMY_MODELS", "Approach", "Audience",
    "Cost", "Direction", "Entry", "EntryQuerySet", "EntryTerm", "Evidence", "EvidenceStrength",
    "Finding", "Kind", "KindProxyMixin", "LinkCheck", "LinkState", "Outcome", "Population",
    "Region", "Resource", "ResourceFormat", "Status", "StudyDesign", "Term", "TermQuerySet", "Tool",
    "ToolFormat", "Topic", "max_year", "normalise_doi", "normalise_title", "validate_doi",
    "validate_year",
]  # fmt: skip
