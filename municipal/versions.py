"""What each versioned record on the municipal side holds, and the Dutch names its versions show under.

A change is appended to `dossier_change` (shared/history.py) as a version of one section: a section of
the dossier (the fields on the person), or an enrollment, a contract or an organisation, versioned the
same way. `SECTIONS` names the fields each version holds; the titles and labels are what the version
lists (templates/municipal/_versions.html) show. Used by the dossier and by the providers' pages.
"""

from __future__ import annotations

SECTIONS: dict[str, tuple[str, ...]] = {
    "persoon": (
        "bsn",
        "voornamen",
        "achternaam",
        "geboortedatum",
        "email",
        "telefoon",
        "adres",
        "regisseur",
        "plicht_start",
    ),
    "brede_intake": (
        "intake_start",
        "intake_eind",
        "leerbaarheidstoets",
        "leerbaarheidstoets_datum",
        "intake_no_shows",
    ),
    "pip": (
        "pip_dagtekening",
        "leerroute",
        "niveau",
        "intensiteit_uren",
        "indicator_alfabetisering",
        "opleiding_afmaken",
        "pip_nummer",
        "termijn_start",
    ),
    "aanbod": ("datum_inburgeringsaanbod", "reden_vertraagde_start"),
    "begeleiding": ("begeleiding_indicatie", "begeleiding_start"),
    "ontzorgen": ("ontzorgen_start", "ontzorgen_eind"),
    "voortgang": ("voortgangsgesprekken",),
    "doelgroep": ("doelgroep", "doelgroep_status", "doelgroep_keuze", "doelgroep_keuze_op"),
    "verhuizing": ("verhuisd_op", "verhuisd_naar"),
    "aantekeningen": ("aantekeningen",),
    # Not on the person: an enrollment, a contract and an organisation are versioned the same way.
    "inschrijving": ("organisation", "component", "start", "end", "planned_hours"),
    "contract": ("organisation", "component", "start", "end"),
    "organisatie": ("name", "kvk", "kinds", "bow_keurmerk", "duo_instellingsnummer"),
}

# Issue 12: a handhaving case's decisions and COA's klantprofiel are versioned the same way.
SECTIONS.update(
    {
        "handhaving": (
            "overtreding",
            "overtreding_datum",
            "omschrijving",
            "besluit",
            "besluit_reden",
            "besluit_datum",
            "stap",
            "bedrag_cents",
            "normbedrag_cents",
            "maximum_cents",
            "matiging",
            "matiging_reden",
            "boete_id",
        ),
        "klantprofiel": (
            "ontvangen_op",
            "moment",
            "opleiding",
            "werkervaring",
            "taal",
            "gezondheid",
            "voorinburgering",
            "casemanager",
        ),
    }
)
# Versions only casework may read (municipal/dossier/klantprofiel.py): left out of the history for others.
CASEWORK_ONLY_SECTIONS = {"klantprofiel"}

SECTION_TITLES = {
    "persoon": "Persoon",
    "brede_intake": "Brede intake",
    "pip": "PIP",
    "aanbod": "Inburgeringsaanbod",
    "begeleiding": "Maatschappelijke begeleiding",
    "ontzorgen": "Ontzorgen",
    "voortgang": "Voortgangsgesprekken",
    "doelgroep": "Doelgroep",
    "verhuizing": "Verhuizing",
    "aantekeningen": "Aantekeningen",
    "inschrijving": "Inschrijving",
    "contract": "Contract",
    "organisatie": "Organisatie",
    "handhaving": "Handhaving",
    "klantprofiel": "Klantprofiel COA",
}

FIELD_LABELS = {
    "bsn": "BSN",
    "voornamen": "Voornamen",
    "achternaam": "Achternaam",
    "geboortedatum": "Geboortedatum",
    "email": "E-mailadres",
    "telefoon": "Telefoon",
    "adres": "Adres",
    "regisseur": "Regisseur",
    "plicht_start": "Inburgeringsplichtig sinds",
    "intake_start": "Start brede intake",
    "intake_eind": "Einde brede intake",
    "leerbaarheidstoets": "Uitslag leerbaarheidstoets",
    "leerbaarheidstoets_datum": "Datum leerbaarheidstoets",
    "intake_no_shows": "Keren niet verschenen",
    "pip_dagtekening": "Dagtekening PIP",
    "leerroute": "Leerroute",
    "niveau": "Niveau",
    "intensiteit_uren": "Intensiteit (uren)",
    "indicator_alfabetisering": "Alfabetisering",
    "opleiding_afmaken": "Mag opleiding afmaken",
    "pip_nummer": "PIP-versie",
    "termijn_start": "Start termijn",
    "datum_inburgeringsaanbod": "Datum inburgeringsaanbod",
    "reden_vertraagde_start": "Reden vertraagde start",
    "begeleiding_indicatie": "Indicatie begeleiding",
    "begeleiding_start": "Start begeleiding",
    "ontzorgen_start": "Start ontzorgen",
    "ontzorgen_eind": "Einde ontzorgen",
    "voortgangsgesprekken": "Voortgangsgesprekken",
    "doelgroep": "Rechten als",
    "doelgroep_status": "Status volgens DUO",
    "doelgroep_keuze": "Keuze",
    "doelgroep_keuze_op": "Keuze gemaakt op",
    "verhuisd_op": "Verhuisd op",
    "verhuisd_naar": "Naar gemeente",
    "aantekeningen": "Aantekeningen",
    "organisation": "Aanbieder",
    "component": "Onderdeel",
    "start": "Van",
    "end": "Tot en met",
    "planned_hours": "Geplande uren",
    "name": "Naam",
    "kvk": "KvK-nummer",
    "kinds": "Soort",
    "bow_keurmerk": "Blik op Werk-keurmerk",
    "duo_instellingsnummer": "DUO-instellingsnummer",
    # handhaving
    "overtreding": "Overtreding",
    "overtreding_datum": "Datum overtreding",
    "omschrijving": "Omschrijving",
    "besluit": "Besluit",
    "besluit_reden": "Reden",
    "besluit_datum": "Datum besluit",
    "stap": "Stap in de opbouw",
    "bedrag_cents": "Bedrag",
    "normbedrag_cents": "Normbedrag",
    "maximum_cents": "Maximum",
    "matiging": "Gematigd of verhoogd",
    "matiging_reden": "Reden matigen of verhogen",
    "boete_id": "Kenmerk boete",
    # klantprofiel
    "ontvangen_op": "Ontvangen op",
    "moment": "Moment",
    "opleiding": "Opleiding",
    "werkervaring": "Werkervaring",
    "taal": "Taal",
    "gezondheid": "Gezondheid",
    "voorinburgering": "Voorinburgering",
    "casemanager": "Casemanager COA",
}
