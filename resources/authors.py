"""How an entry's authors field is read: one rule for every citation, file and tag.

Curators write `Entry.authors` as the work credits them, in one line of text. `people_of(entry)`
reads it into structured names (a person's family and given names, or an organisation) for
the formatted reference, the RIS and BibTeX files, and the citation meta tags and schema.org
data of detail pages. The rule, as the admin's help text and the README give it:

- Commas or semicolons separate people; "and" or "&" may join the last one
  ("Smith J, Jones K and Lee M"). A final "et al." (or "and others") says more people made it.
- Notes in parentheses or brackets, such as "(project manager)" or "(eds)", are not names.
- "Jane Smith" is given names then the family name; "van der Berg J", "Smith JA" and
  "Smith J.A." (initials last, the Vancouver way) are the family name then initials.
  Lower-case particles (de, van, von, der…) belong to the family name: "Anya de Iongh".
- An organisation is one author, never split or turned round: a name that is the entry's
  organisation (or one of its organisations, separated by semicolons), a single word
  ("Mind"), or a name with a word such as University, Trust, NHS, Foundation, Network or
  Group, or with "of", "for" or "the" ("Together for Mental Wellbeing"). It keeps an "and"
  of its own, so a comma must part it from a person.
- When semicolons separate the people, each may be written family name first, with a
  comma: "Smith, Jane; Perez Algorta, Guillermo".

With no authors, the organisations in the organisation field are the authors.
"""

import re
from dataclasses import dataclass

# Notes such as "(project manager)", "(eds)" or "[with others]"; innermost first.
NOTE = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\])")
ET_AL = re.compile(r"[\s,;]*\b(?:et\.?\s*al\.?|and\s+others)\s*$", re.IGNORECASE)
LAST_JOINER = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
LEADING_JOINER = re.compile(r"^(?:and|&)(?:\s+|$)", re.IGNORECASE)  # "Smith J, Jones K, and Lee M"
# Initials written the Vancouver way: "J", "JA", "J.A.", "C-L".
INITIALS = re.compile(r"^(?:[A-Z]\.?(?:-[A-Z]\.?)?){1,4}$")
# A credit ending in one of these is a person with a suffix, not initials ("John Smith III").
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
PARTICLES = frozenset(
    {"de", "da", "das", "del", "della", "der", "den", "di", "do", "dos", "du", "la", "le",
     "van", "von", "ter", "ten", "bin", "ibn", "al", "el", "y", "zu", "af", "av"}
)  # fmt: skip
# Words no one's personal name contains (as whole words, any case); a credit with one is an
# organisation. Checked against the demo data: no person's name holds one.
ORGANISATION_WORDS = frozenset(
    {"academy", "administration", "agency", "alliance", "association", "authority", "board",
     "care", "centre", "center", "charity", "cic", "clinic", "coalition", "collaboration",
     "collaborative", "collective", "college", "commission", "committee", "company",
     "consortium", "council", "department", "dept", "federation", "forum", "foundation",
     "government", "group", "health", "hospital", "inc", "initiative", "institute",
     "institution", "international", "lab", "laboratory", "limited", "llc", "ltd", "ministry",
     "national", "network", "nhs", "office", "organisation", "organization", "panel",
     "partnership", "plc", "programme", "program", "project", "research", "school", "service",
     "services", "society", "team", "trust", "uk", "union", "unit", "university", "univ"}
)  # fmt: skip
# Lower-case words that join an organisation's name but never a person's.
ORGANISATION_JOINERS = frozenset({"of", "for", "the", "on", "in", "at"})
# Roles written without parentheses: "Smith J, Jones K, eds."
ROLES = frozenset({"ed", "ed.", "eds", "eds.", "editor", "editors"})
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


@dataclass(frozen=True)
class Name:
    """One credited author: a person (family and given names) or an organisation."""

    family: str = ""
    given: str = ""
    organisation: str = ""

    @property
    def is_organisation(self):
        return bool(self.organisation)

    @property
    def full(self):
        """As people read it: "Jane Smith", or the organisation's name."""
        return self.organisation or f"{self.given} {self.family}"

    @property
    def filed(self):
        """As reference managers file it, in RIS `AU` lines and `citation_author` tags.

        A person is "Family, Given". Zotero's RIS importer and its web page reader take the
        text before the first comma as the family name and file a name with nothing after
        the comma as one organisation ("single field"); EndNote too reads a trailing comma as
        a corporate author; rispy keeps each line whole. So an organisation is written with
        its own commas dropped and one comma at the end: "St George's University of London,".
        """
        if self.organisation:
            return " ".join(self.organisation.replace(",", " ").split()) + ","
        return f"{self.family}, {self.given}"

    @property
    def initialled(self):
        """APA style: "Smith, J. A.", or the organisation's name."""
        if self.organisation:
            return self.organisation
        return f"{self.family}, {initials(self.given)}"


@dataclass(frozen=True)
class Credits:
    """Who made a work, in order, and whether the credit ends "et al."."""

    names: tuple = ()
    et_al: bool = False

    def __iter__(self):
        return iter(self.names)

    def __len__(self):
        return len(self.names)

    def __bool__(self):
        return bool(self.names)


def organisations_of(entry):
    """The organisations in the entry's organisation field, which semicolons separate (an
    organisation's own name may hold a comma: "St George's, University of London")."""
    return [name.strip() for name in (entry.organisation or "").split(";") if name.strip()]


def people_of(entry):
    """The entry's authors as `Credits` of `Name`s, read by the rule in this module's
    docstring; with no authors, its organisations."""
    organisations = organisations_of(entry)
    credits = parse_authors(entry.authors, organisations)
    if credits:
        return credits
    return Credits(tuple(Name(organisation=name) for name in organisations))


def parse_authors(text, organisations=()):
    """Read an authors text into `Credits`; `organisations` (the entry's) are kept whole."""
    text = " ".join((text or "").split())
    text, protected = _protect(text, organisations)
    previous = None
    while previous != text:
        previous, text = text, NOTE.sub("", text)
    et_al = bool(ET_AL.search(text))
    text = ET_AL.sub("", text)
    known = {name.casefold() for name in organisations}

    def name_of(credit):
        credit = credit.strip()
        if credit in protected:
            return Name(organisation=protected[credit])
        if is_organisation(credit, known):
            return Name(organisation=credit)
        return _person(credit)

    names = []
    for credit in _credits(text, known):
        credit = LEADING_JOINER.sub("", credit)
        if not WORD.search(credit) or credit.casefold() in ROLES:
            continue
        if credit in protected or is_organisation(credit, known):
            names.append(name_of(credit))
            continue
        names.extend(name_of(part) for part in LAST_JOINER.split(credit) if part.strip())
    return Credits(tuple(names), et_al)


def is_organisation(credit, known=()):
    """Whether one credit names an organisation: one of `known` (case-folded), one word, a
    word of ORGANISATION_WORDS or a lower-case joiner such as "of"."""
    if credit.casefold() in known:
        return True
    words = credit.split()
    if len(words) == 1:
        return True
    return any(
        word.casefold() in ORGANISATION_WORDS or word in ORGANISATION_JOINERS
        for word in WORD.findall(credit)
    )


def initials(given):
    """Given names as initials: "Jane Ann" and "JA" give "J. A."; "C-L" gives "C.-L."."""
    words = []
    for word in given.split():
        pieces = []
        for piece in filter(None, word.split("-")):
            if INITIALS.match(piece):  # "JA", "J.A.": one initial per capital
                pieces.append(" ".join(f"{letter}." for letter in re.findall(r"[A-Z]", piece)))
            else:
                pieces.append(f"{piece[0]}.")
        words.append("-".join(pieces))
    return " ".join(words)


def _protect(text, organisations):
    """Swap the entry's organisations whose names hold separators for placeholders, so
    splitting on commas or "and" leaves them whole. Returns (text, {placeholder: name})."""
    protected = {}
    for name in sorted(organisations, key=len, reverse=True):
        if not re.search(r"[,;&()\[\]]|\band\b", name, re.IGNORECASE):
            continue
        placeholder = f"\x00{len(protected)}\x00"
        text, count = re.subn(re.escape(name), placeholder, text, flags=re.IGNORECASE)
        if count:
            protected[placeholder] = name
    return text, protected


def _credits(text, known):
    """The text split into one credit per person or organisation (before "and" splitting)."""
    if ";" not in text:
        return [part.strip() for part in text.split(",")]
    credits = []
    for part in (part.strip() for part in text.split(";")):
        if "," in part and not is_organisation(part, known) and _is_family_first(part):
            credits.append(part)
        else:
            credits.extend(piece.strip() for piece in part.split(","))
    return credits


def _is_family_first(part):
    """ "Smith, Jane", "Perez Algorta, G": one comma after a family name. Before a comma, a
    name ending in initials is a whole name ("Smith J, Jones K"), not a family name."""
    family, _, given = part.partition(",")
    words = family.split()
    if "," in given or not given.strip() or not words:
        return False
    return not INITIALS.match(words[-1]) or len(words) == 1


def _person(credit):
    """A person's name in one of the written orders (see the module docstring)."""
    if "," in credit:  # "Smith, Jane", from a semicolon-separated list
        family, _, given = credit.partition(",")
        return Name(family=family.strip(), given=given.strip())
    words = credit.split()
    suffix = []
    if len(words) > 2 and words[-1].casefold() in SUFFIXES:
        suffix = [words.pop()]
    initials_from = len(words)
    while initials_from > 1 and INITIALS.match(words[initials_from - 1]) and not suffix:
        initials_from -= 1
    if initials_from < len(words):  # Vancouver: "Smith JA", "van der Berg J A"
        return Name(family=" ".join(words[:initials_from]), given=" ".join(words[initials_from:]))
    family = [words.pop(), *suffix]
    while len(words) > 1 and words[-1].casefold() in PARTICLES:
        family.insert(0, words.pop())
    return Name(family=" ".join(family), given=" ".join(words))
