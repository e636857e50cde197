"""What a thank-you note after a rejection should hold, and the checks that say what it lacks.

The advice names six elements. Whether a note covers one is decided by phrases: the first
phrase of the element's list found in the note is the explanation. The phrases are a table, not
code, so a note flagged wrongly is fixed by adding a phrase (and a note to the test corpus in
tests/data/notes/). Two more checks: the draft's placeholder for a specific detail left in the
note, and a note nearly the same as one sent to someone else at the same employer (people
there compare notes). Checks only warn; `--strict` makes them errors.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from difflib import SequenceMatcher

from sqlmodel import Session, col, select

from crm.kinds import TouchKind
from crm.models import Contact, Touchpoint

# How alike two notes may be, in words (difflib's ratio, 0 to 1), before the warning.
NEARLY_THE_SAME = 0.85

# The draft marks the place for a specific detail like this: [[name one real thing...]].
PLACEHOLDER = re.compile(r"\[\[.*?\]\]", re.DOTALL)

STRAIGHT_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")


@dataclass(frozen=True)
class Element:
    number: int
    key: str
    label: str  # the advice's words
    example: str  # a phrase that would cover it
    phrases: tuple[str, ...]  # regular expressions over the normalised note


ELEMENTS = (
    Element(
        1,
        "outcome",
        "thanks for letting you know the outcome",
        "Thank you for letting me know the outcome",
        (
            r"\bletting me know\b",
            r"\bfor (telling|informing|updating|notifying) me\b",
            r"\b(getting|coming) back to me\b",
            r"\b(passing on|passing along|sharing|breaking) the (news|decision|outcome|result)\b",
            r"\bkeeping me (informed|updated|posted)\b",
            r"\bfor (the|your) (update|news|call|phone call|email|e-mail|message|letter)\b",
            r"\blet me know (the|about|of) (the |your )?(outcome|result|decision)\b",
        ),
    ),
    Element(
        2,
        "courtesy",
        "thanks for the time, courtesy and consideration during the process",
        "Thank you for your time and consideration",
        (
            r"\bcourte(sy|ous)\b",
            r"\bconsideration\b",
            r"\byour time\b",
            r"\bthe time (you|that you)\b",
            r"\b(taking|took|take) the time\b",
            r"\bgenerous with your time\b",
            r"\b(kindness|hospitality|patience)\b",
        ),
    ),
    Element(
        3,
        "disappointment",
        "your disappointment at not getting the job",
        "I was disappointed not to be chosen",
        (
            r"\bdisappoint(ed|ing|ment)\b",
            r"\bsorry (not to|that i|i was not|i wasn't|to miss)\b",
            r"\bsad (not to|that i)\b",
            r"\b(had|was) hoping\b",
            r"\bi had hoped\b",
            r"\bnot the (news|outcome|result|answer) i\b",
            r"\bwould have (loved|liked) to (join|work|be part)\b",
            r"\b(a pity|a shame)\b",
        ),
    ),
    Element(
        4,
        "appreciation",
        "appreciation for the chance to learn about the organisation and meet its people",
        "I enjoyed learning about your team and meeting you",
        (
            r"\blearn(ed|ing|t|s)? (so much |a lot |more )?about\b",
            r"\blearn(ed|t)? (so much|a lot|a great deal)\b",
            r"\bgetting to know\b",
            r"\b(meet|meeting) (you|the|your|everyone|so many|all)\b",
            r"\b(insight|insights|glimpse|look) (in|into|of|at)\b",
            r"\b(chance|opportunity) to (see|visit|tour)\b",
        ),
    ),
    Element(
        5,
        "interest",
        "your continued interest in working there",
        "I remain very interested in working with you",
        (
            r"\bcontinued interest\b",
            r"\binterest (in|remains)\b",
            r"\b(still|remain|remains|continue to be)( very| really| genuinely| keenly)? "
            r"(interested|keen|eager|excited)\b",
            r"\bstill (want|hope|would love|would like) to (work|join|be part)\b",
            r"\bwould (still )?(love|like|welcome the chance) to (work|join|be part)\b",
        ),
    ),
    Element(
        6,
        "next-opening",
        "a request to be contacted when the next opening comes up",
        "please keep me in mind for the next opening",
        (
            r"\bkeep me in mind\b",
            r"\b(think|thinking) of me\b",
            r"\bconsider(ing)? me\b",
            r"\bkeep my (name|details|application|resume|résumé|cv|information)\b",
            r"\b(next|future|another) (opening|opportunit|position|role|vacanc)",
            r"\b(position|role|job) (opens|open up|reopens|becomes available)",
            r"\b(opens|open) up again\b",
            r"\b(reach out|get in touch|contact me|let me know)( with me)? (if|when|should)\b",
        ),
    ),
)


@dataclass(frozen=True)
class Coverage:
    element: Element
    phrase: str | None  # the words in the note that cover it; None when it is missing


@dataclass(frozen=True)
class SimilarNote:
    contact: Contact
    sent_at: datetime
    ratio: float


@dataclass(frozen=True)
class NoteCheck:
    coverage: tuple[Coverage, ...]
    placeholder: str | None  # the first one left in the note
    similar: tuple[SimilarNote, ...] = field(default=())

    @property
    def missing(self) -> list[Element]:
        return [c.element for c in self.coverage if c.phrase is None]

    def warnings(self, zone: tzinfo | None = None) -> list[str]:
        """One sentence per problem, in the order a writer would fix them."""
        said = [
            f'missing element {e.number} of 6, {e.label} (e.g. "{e.example}")' for e in self.missing
        ]
        if self.placeholder:
            said.append(
                f"the placeholder {_shortened(self.placeholder)} is still there: "
                "name something real from your conversation"
            )
        for s in self.similar:
            sent = s.sent_at.astimezone(zone)
            said.append(
                f"nearly the same ({s.ratio:.0%} alike) as the thank-you sent to "
                f"{s.contact.name} (#{s.contact.id}) on {sent:%Y-%m-%d}: people there compare "
                "notes, make each one personal"
            )
        return said


def normalised(text: str) -> str:
    """Lower case, straight quotes, one space between words: phrases match across lines."""
    return " ".join(text.casefold().translate(STRAIGHT_QUOTES).split())


def coverage(text: str) -> tuple[Coverage, ...]:
    plain = normalised(text)
    found = []
    for element in ELEMENTS:
        match = next((m for p in element.phrases if (m := re.search(p, plain)) is not None), None)
        found.append(Coverage(element, match.group(0) if match else None))
    return tuple(found)


def placeholder_left(text: str) -> str | None:
    match = PLACEHOLDER.search(text)
    return match.group(0) if match else None


def likeness(a: str, b: str) -> float:
    """How alike two notes are, word by word (names and punctuation aside, 1.0 is the same)."""
    return SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def similar_notes(*, session: Session, contact: Contact, text: str) -> tuple[SimilarNote, ...]:
    """The thank-yous sent to other people at the contact's employer that read nearly the same."""
    if contact.employer_id is None:
        return ()
    rows = session.exec(
        select(Touchpoint, Contact)
        .join(Contact, col(Touchpoint.contact_id) == Contact.id)
        .where(
            Contact.employer_id == contact.employer_id,
            col(Contact.id) != contact.id,
            Touchpoint.kind == TouchKind.THANK_YOU.value,
        )
        .order_by(col(Touchpoint.happened_at), col(Touchpoint.id))
    )
    found = []
    for touch, other in rows:
        sent = touch.body or touch.summary
        if sent and (ratio := likeness(text, sent)) >= NEARLY_THE_SAME:
            found.append(SimilarNote(other, touch.happened_at, ratio))
    return tuple(found)


def check_note(*, session: Session, contact: Contact, text: str) -> NoteCheck:
    """Every check on the text of a thank-you to `contact`."""
    return NoteCheck(
        coverage=coverage(text),
        placeholder=placeholder_left(text),
        similar=similar_notes(session=session, contact=contact, text=text),
    )


def split_subject(text: str) -> tuple[str | None, str]:
    """A note as `crm draft` writes it: an optional `Subject:` first line, then the body."""
    first, _, rest = text.lstrip("\ufeff").lstrip("\n").partition("\n")
    if first.lower().startswith("subject:"):
        return first[len("subject:") :].strip() or None, rest.strip("\n")
    return None, text.strip("\n")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", normalised(text))


def _shortened(text: str, most: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 3] + "…]]"
