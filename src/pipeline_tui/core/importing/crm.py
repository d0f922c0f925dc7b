"""What the usual exports' columns and values mean: HubSpot, Salesforce (reports and data exports), Pipedrive
(deals and people), Zoho, Close, LinkedIn Sales Navigator lists, and spreadsheets in English and German.

Columns map to lead fields by name (`Lead Source`, `LeadSource` and `lead_source` are one name). A field
several columns can fill takes them in a fixed order of preference, never the file's column order: the
stage from a deal's won/lost status, then its stage, then a lead status, then a lifecycle stage; the phone
from a phone column, then a mobile; the email from a work email, then a home one. A CRM's own record id
becomes `crm_id`, never the lead's id. Values (sources, statuses) map to the playbook by the tables below,
built from what each product documents; anything else is reported, never guessed.
"""

from __future__ import annotations

from pipeline_tui.core.importing.table import norm

# field -> column names, in order of preference where several columns may fill the field
COLUMN_NAMES: dict[str, list[str]] = {
    "name": ["name", "full name", "contact name", "lead name", "person name", "contact", "contact full name",
             "primary contact name", "vollstandiger name", "ansprechpartner"],
    "first_name": ["first name", "firstname", "given name", "first", "vorname"],
    "last_name": ["last name", "lastname", "surname", "family name", "last", "nachname"],
    "email": ["email", "e mail", "email address", "e mail address", "primary email", "work email", "email 1 value",
              "email work", "email 1", "primary contact primary email", "e mail adresse", "emailadresse"],
    "email.other": ["email home", "home email", "personal email", "email other", "other email", "secondary email",
                    "email 2", "email 2 value", "private e mail"],
    "phone": ["phone", "phone number", "work phone", "telephone", "phone 1 value", "phone work", "business phone",
              "primary contact primary phone", "telefon", "telefonnummer"],
    "phone.other": ["mobile", "mobile phone", "mobile phone number", "mobilephone", "phone mobile", "cell",
                    "cell phone", "phone home", "home phone", "other phone", "phone 2 value", "mobil", "handy",
                    "mobiltelefon"],
    "company": ["company", "company name", "account name", "account", "organization", "organisation",
                "company account", "company / account", "organization name", "organisation name", "employer",
                "business name", "firma", "unternehmen", "firmenname"],
    "title": ["title", "job title", "position", "role", "job role", "designation", "jobtitle", "funktion",
              "primary contact title"],
    "stage": ["deal status", "deal stage", "lead status", "hs lead status", "status", "stage", "lead stage",
              "status label", "lifecycle stage", "lifecyclestage"],
    "source": ["source", "lead source", "leadsource", "original source", "original source type", "source type",
               "channel", "lead source type", "quelle", "lead quelle"],
    "source_detail": ["source detail", "source_detail", "original source drill down 1", "original source data 1",
                      "campaign", "campaign name", "lead source detail"],
    "created": ["created", "create date", "created date", "createddate", "date created", "created time",
                "created at", "lead created", "create time", "creation date", "date added", "became a lead date",
                "deal created", "person created", "date created", "erstellt am", "erstellt", "angelegt am"],
    "owner": ["owner", "contact owner", "lead owner", "record owner", "owner name", "assigned to", "sales rep",
              "hubspot owner", "account owner", "deal owner", "person owner", "user", "verantwortlich", "betreuer",
              "besitzer", "ownerid", "owner id"],
    "value": ["value", "amount", "deal value", "deal amount", "expected revenue", "opportunity amount", "wert",
              "betrag", "auftragswert"],
    "tags": ["tags", "labels", "tag", "label", "person labels"],
    "notes": ["notes", "description", "comments", "note", "notiz", "notizen", "bemerkung", "kommentar"],
    "horizon": ["horizon"],
    "origin": ["origin"],
    "first_contact": ["first contact", "first_contact", "first contact date", "first response",
                      "first outreach date"],
    "closed": ["closed", "close date", "closed date", "date closed", "won time", "lost time", "deal won time",
               "deal lost time", "deal close date", "abgeschlossen am"],
    # a deal's id before its person's: in a deals export the row is the deal (its stage, value, dates)
    "crm_id": ["record id", "lead id", "deal id", "contact id", "person id", "salesforce id", "crm id", "crm_id",
               "organization id"],
    "id": ["pipeline id"],
    "next.action": ["next action", "next.action", "next step"],
    "next.due": ["next due", "next.due", "next step date", "next activity date", "follow up date"],
    "qualification.interest": ["interest", "qualification.interest"],
    "qualification.authority": ["authority", "qualification.authority"],
    "qualification.fit": ["fit", "qualification.fit"],
    "qualification.pain": ["pain", "qualification.pain", "pain point"],
    "log": ["log"],
}
FIELDS = set(COLUMN_NAMES) - {"email.other", "phone.other"}
_ENTITY_WORDS = ("person ", "contact ", "lead ", "people ", "deal ", "organization ", "organisation ", "custom ")
_RANK = {(f, norm(a)): i for f, names in COLUMN_NAMES.items() for i, a in enumerate(names)}
_INDEX = {norm(a): f for f, names in COLUMN_NAMES.items() for a in names}


def column_field(header: str, close_style: bool = False) -> str | None:
    """The field a column name means, or None. `close_style`: a file whose `name` is the company (Close,
    where the person is `primary_contact_name`)."""
    n = norm(header)
    if n in ("id", "lead id") and close_style:
        return "crm_id"
    if n in ("name", "display name") and close_style:
        return "company"
    if n == "id":  # a CRM's record id (Salesforce, Close, HubSpot's exports): never the lead's own id
        return "crm_id"
    if n in _INDEX:
        return _INDEX[n]
    for word in _ENTITY_WORDS:  # Pipedrive: "Person - Email - Work", "Deal - Status"
        if n.startswith(word):
            rest = n[len(word):]
            if rest == "id":
                return "crm_id"
            if word == "deal " and rest in ("status",):
                return "stage"
            if word == "deal " and rest in ("title", "name"):
                return None  # a deal's title is not a person's name: kept as it is
            if word in ("organization ", "organisation ") and rest in ("name", ""):
                return "company"
            found = _INDEX.get(rest)
            if found is None and rest in ("organization", "organisation"):
                return "company"
            return found
    return None


def rank(field: str, header: str) -> int:
    """Where a column stands among those filling the same field (lower: preferred)."""
    n = norm(header)
    for word in ("",) + _ENTITY_WORDS:
        if n.startswith(word) and (field, n[len(word):]) in _RANK:
            return _RANK[(field, n[len(word):])]
    return len(COLUMN_NAMES.get(field, ())) + 1

PLACEHOLDERS = {"[not provided]"}  # Salesforce's word for a cell left empty (other placeholders are reported)


# --- values -------------------------------------------------------------------------------------------------

SOURCE_VALUES: dict[str, list[str]] = {
    "referral": ["referral", "referrals", "word of mouth", "partner", "partner referral", "employee referral",
                 "external referral", "customer referral", "recommendation", "empfehlung"],
    "inbound-web": ["web", "website", "web site", "web form", "webform", "contact form", "organic search", "seo",
                    "paid search", "ppc", "google ads", "direct traffic", "inbound", "phone inquiry",
                    "public relations", "inbound web", "online", "landing page", "online store", "chat",
                    "web download", "sales email alias", "ai referrals", "webseite", "kontaktformular"],
    "social": ["social", "social media", "organic social", "paid social", "linkedin", "facebook", "twitter",
               "instagram", "x", "x twitter", "tiktok", "youtube", "linkedin sales navigator", "sales navigator", "xing"],
    "campaign": ["campaign", "email", "email marketing", "email campaign", "mailing", "direct mail", "newsletter",
                 "advertisement", "ads", "other campaigns", "marketing campaign", "kampagne", "werbung"],
    "event": ["event", "events", "trade show", "tradeshow", "conference", "seminar", "seminar internal",
              "internal seminar", "seminar partner", "webinar", "lunch and learn", "expo", "meetup", "talk",
              "messe", "veranstaltung"],
    "prospecting": ["prospecting", "cold call", "cold calling", "outbound", "purchased list", "list", "cold email",
                    "offline sources", "offline", "drop by", "door to door", "sales prospecting", "web research",
                    "kaltakquise"],
}
STAGE_VALUES: dict[str, list[str]] = {
    "new": ["new", "open", "open not contacted", "not contacted", "subscriber", "lead", "marketingqualifiedlead",
            "marketing qualified lead", "mql", "raw", "lead in", "potential", "neu"],
    "contacted": ["contacted", "working", "working contacted", "attempted to contact", "in progress", "connected",
                  "attempting contact", "engaged", "contact in future", "contact made", "pre qualified",
                  "interested", "kontaktiert", "in bearbeitung"],
    # a Salesforce lead "Closed - Converted" became an opportunity: qualified, not won
    "qualified": ["qualified", "sales qualified lead", "salesqualifiedlead", "sql", "opportunity", "open deal",
                  "closed converted", "converted", "demo scheduled", "qualifiziert"],
    "proposal": ["proposal", "proposal sent", "quote sent", "presentation scheduled", "quote", "proposal made",
                 "angebot", "angebot gesendet"],
    "negotiation": ["negotiation", "negotiation review", "contract sent", "decision maker bought in",
                    "negotiations started", "verhandlung"],
    "won": ["won", "closed won", "customer", "evangelist", "gewonnen", "kunde"],
    "lost": ["lost", "closed lost", "closed not converted", "unqualified", "disqualified", "bad timing", "junk",
             "dead", "not interested", "junk lead", "lost lead", "not qualified", "bad fit", "verloren"],
}
