"""Contacts as a vCard 4.0 file (RFC 6350), written with vobject, for phones and address books.

One card a contact: FN and N, EMAIL, TEL, ORG (the employer), TITLE (the position), NOTE,
CATEGORIES (the tags) and the LinkedIn profile as URL; a UID that stays the same from one
export to the next, so an address book that imports the file again updates its cards. The
PRODID says crm wrote the file: importing it back into crm (crm/services/vcard.py) finds every
contact and changes nothing, not even the employment history, since it says nothing crm does
not know.
"""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from crm import __version__
from crm.models import Contact, Employer
from crm.services.contacts import tags_of

PRODID = f"-//crm//crm {__version__}//EN"
WRITTEN_BY_CRM = "//crm//"  # what the importer looks for in PRODID
# UIDs are uuid5 in this namespace of the contact's id and creation time: the same every export
NAMESPACE = uuid.UUID("6f1c4d2e-1b7a-5b7e-9a54-0c6e3f0d9a11")


@dataclass(frozen=True)
class VCardFile:
    data: bytes
    cards: int


def contacts_as_vcards(*, session: Session) -> VCardFile:
    import vobject

    employers = {e.id: e.name for e in session.exec(select(Employer))}
    tags = tags_of(session)
    parts: list[str] = []
    contacts = list(session.exec(select(Contact).order_by(col(Contact.id))))
    for contact in contacts:
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
        if contact.employer_id in employers:
            card.add("org").value = [employers[contact.employer_id]]
        if contact.position:
            card.add("title").value = contact.position
        if contact.linkedin_url:
            card.add("url").value = contact.linkedin_url
        if contact.notes:
            card.add("note").value = contact.notes
        if tags.get(contact.id or 0):
            card.add("categories").value = tags[contact.id or 0]
        parts.append(card.serialize())
    return VCardFile("".join(parts).encode("utf-8"), len(contacts))
