"""Contacts as a vCard 4.0 file (RFC 6350), written with vobject, for phones and address books.

One card a contact: FN and N, EMAIL, TEL, ORG (the employer), TITLE (the position), NOTE,
CATEGORIES (the tags) and the LinkedIn profile as URL; a UID that stays the same from one
export to the next, so an address book that imports the file again updates its cards. The
PRODID says crm wrote the file: importing it back into crm (crm/services/vcard.py) finds every
contact and changes nothing, not even the employment history, since it says nothing crm does
not know.
"""

import uuid
from typing import BinaryIO

from sqlmodel import Session, col, select

from crm import __version__
from crm.models import Contact, Employer
from crm.services.contacts import tags_of

PRODID = f"-//crm//crm {__version__}//EN"
WRITTEN_BY_CRM = "//crm//"  # what the importer looks for in PRODID
# UIDs are uuid5 in this namespace of the contact's id and creation time: the same every export
NAMESPACE = uuid.UUID("6f1c4d2e-1b7a-5b7e-9a54-0c6e3f0d9a11")


BATCH = 1_000  # contacts read, made cards and written at a time: memory stays flat


def write_vcards(out: BinaryIO, *, session: Session) -> int:
    """Every contact as a card, by id, written a batch at a time; the cards written."""
    n, after = 0, 0
    while True:
        rows = session.exec(
            select(Contact, Employer.name)
            .outerjoin(Employer, col(Employer.id) == Contact.employer_id)
            .where(col(Contact.id) > after)
            .order_by(col(Contact.id))
            .limit(BATCH)
        ).all()
        if not rows:
            return n
        tags = tags_of(session, [contact.id for contact, _ in rows if contact.id is not None])
        cards = (
            _card(contact, employer, tags.get(contact.id or 0, [])) for contact, employer in rows
        )
        out.write("".join(cards).encode("utf-8"))
        n += len(rows)
        after = rows[-1][0].id or 0
        session.expunge_all()  # read-only: the session need not keep every contact it read


def _card(contact: Contact, employer: str | None, tags: list[str]) -> str:
    import vobject

    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("prodid").value = PRODID
    seed = f"crm:contact:{contact.id}:{contact.created_at.isoformat()}"
    card.add("uid").value = f"urn:uuid:{uuid.uuid5(NAMESPACE, seed)}"
    card.add("fn").value = contact.name
    given, _, family = contact.name.rpartition(" ")
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    if contact.email:
        card.add("email").value = contact.email
    if contact.phone:
        card.add("tel").value = contact.phone
    if employer is not None:
        card.add("org").value = [employer]
    if contact.position:
        card.add("title").value = contact.position
    if contact.linkedin_url:
        card.add("url").value = contact.linkedin_url
    if contact.notes:
        card.add("note").value = contact.notes
    if tags:
        card.add("categories").value = tags
    return str(card.serialize())
