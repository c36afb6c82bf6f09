"""The project's fixed vocabularies: codes stored in the database with their Dutch labels.

One place for each list, so forms, rules, templates and the upload read the same words.
"""

from __future__ import annotations

from enum import StrEnum


def aantal(n: int, een: str, meer: str) -> str:
    """A count with its noun in singular or plural, as plain Dutch says it: aantal(1, "item", "items") →
    "1 item", aantal(3, "regel", "regels") → "3 regels" (never "item(s)")."""
    return f"{n} {een if n == 1 else meer}"


class Labelled(StrEnum):
    @property
    def label(self) -> str:
        return LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Role(Labelled):
    PROVIDER = "provider"  # staff of one provider organisation
    REGISSEUR = "regisseur"  # case manager of one gemeente
    TEAMLEIDER = "teamleider"  # team lead of one gemeente
    BEHEERDER = "beheerder"  # functioneel beheerder of one gemeente or one organisation
    ADMIN = "admin"


class Doelgroep(Labelled):
    ASIEL = "asiel"
    GEZIN_OVERIG = "gezin_overig"


class Leerroute(Labelled):
    B1 = "B1"
    ONDERWIJS = "onderwijs"
    Z = "Z"


class OrganisationKind(Labelled):
    TAAL = "taal"
    MAP = "map"
    PVT = "pvt"
    PARTICIPATIE = "participatie"
    BEGELEIDING = "begeleiding"
    VRIJWILLIGERS = "vrijwilligers"


class Component(Labelled):
    """What a gemeente contracts a provider for and enrols a person in."""

    TAAL = "taal"
    MAP = "map"
    PVT = "pvt"
    PARTICIPATIE = "participatie"
    BEGELEIDING = "begeleiding"


class HourKind(Labelled):
    TAAL_KNM = "taal_knm"
    PARTICIPATIE_TAALLES = "participatie_taalles"
    PARTICIPATIE_ACTIVITEITEN = "participatie_activiteiten"
    BREDE_INTAKE = "brede_intake"


class MilestoneKind(Labelled):
    MAP_EINDGESPREK = "map_eindgesprek"
    PVT_ONDERTEKENING = "pvt_ondertekening"
    TAALSCHAKELTRAJECT_AFGEROND = "taalschakeltraject_afgerond"
    ZROUTE_AFGEROND = "zroute_afgerond"
    NIET_VOLTOOID = "niet_voltooid"
    TUSSENTIJDSE_TOETS = "tussentijdse_toets"
    VOORTGANG = "voortgang"
    BELEMMERING = "belemmering"


class VerzuimReden(Labelled):
    ZIEK = "ziek"
    MEDISCH = "medisch"
    INSTANTIE = "instantie"
    WERK = "werk"
    FAMILIE = "familie"
    VERLOF = "verlof"
    VERVOER = "vervoer"
    ZONDER_BERICHT = "zonder_bericht"
    OVERIG = "overig"


class Source(Labelled):
    FORM = "form"
    UPLOAD = "upload"
    API = "api"


LABELS: dict[StrEnum, str] = {
    Role.PROVIDER: "Medewerker aanbieder",
    Role.REGISSEUR: "Regisseur",
    Role.TEAMLEIDER: "Teamleider",
    Role.BEHEERDER: "Functioneel beheerder",
    Role.ADMIN: "Beheerder Regie",
    Doelgroep.ASIEL: "Asielstatushouder",
    Doelgroep.GEZIN_OVERIG: "Gezins- of overige migrant",
    Leerroute.B1: "B1-route",
    Leerroute.ONDERWIJS: "Onderwijsroute",
    Leerroute.Z: "Z-route",
    OrganisationKind.TAAL: "Taalschool",
    OrganisationKind.MAP: "MAP-aanbieder",
    OrganisationKind.PVT: "PVT-aanbieder",
    OrganisationKind.PARTICIPATIE: "Participatie",
    OrganisationKind.BEGELEIDING: "Maatschappelijke begeleiding",
    OrganisationKind.VRIJWILLIGERS: "Vrijwilligersorganisatie",
    Component.TAAL: "Taal en KNM",
    Component.MAP: "MAP",
    Component.PVT: "PVT",
    Component.PARTICIPATIE: "Participatie",
    Component.BEGELEIDING: "Maatschappelijke begeleiding",
    HourKind.TAAL_KNM: "Taal en KNM",
    HourKind.PARTICIPATIE_TAALLES: "Taalles in participatietraject",
    HourKind.PARTICIPATIE_ACTIVITEITEN: "Participatieactiviteiten",
    HourKind.BREDE_INTAKE: "Uren tijdens brede intake",
    MilestoneKind.MAP_EINDGESPREK: "MAP-eindgesprek gevoerd",
    MilestoneKind.PVT_ONDERTEKENING: "PVT ondertekend",
    MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND: "Taalschakeltraject afgerond",
    MilestoneKind.ZROUTE_AFGEROND: "Z-route afgerond",
    MilestoneKind.NIET_VOLTOOID: "Niet voltooid",
    MilestoneKind.TUSSENTIJDSE_TOETS: "Uitslag tussentijdse toets",
    MilestoneKind.VOORTGANG: "Voortgangsnotitie",
    MilestoneKind.BELEMMERING: "Belemmerende omstandigheid",
    VerzuimReden.ZIEK: "Ziek",
    VerzuimReden.MEDISCH: "Huisarts, ziekenhuis of tandarts",
    VerzuimReden.INSTANTIE: "Afspraak bij instantie (IND, gemeente, UWV)",
    VerzuimReden.WERK: "Werk",
    VerzuimReden.FAMILIE: "Familieomstandigheden",
    VerzuimReden.VERLOF: "Verlof met toestemming",
    VerzuimReden.VERVOER: "Vervoersproblemen",
    VerzuimReden.ZONDER_BERICHT: "Zonder bericht afwezig",
    VerzuimReden.OVERIG: "Overige reden",
    Source.FORM: "Formulier",
    Source.UPLOAD: "Upload",
    Source.API: "API",
}

# Milestones that complete an enrollment (a provider's "open completions" are enrollments without one).
COMPLETING_MILESTONES = {
    Component.MAP: {MilestoneKind.MAP_EINDGESPREK, MilestoneKind.NIET_VOLTOOID},
    Component.PVT: {MilestoneKind.PVT_ONDERTEKENING, MilestoneKind.NIET_VOLTOOID},
}


# --- The municipal dossier (issue 3) ------------------------------------------------------------


class Niveau(StrEnum):
    """The minimum exam level of a PIP (DUO's NiveauPip). No labels: "B1" is also Leerroute.B1's value,
    and LABELS is keyed by value."""

    A2 = "A2"
    B1 = "B1"


class Alfabetisering(Labelled):
    """DUO's indicatorAlfabetiseringsonderwijs (A, AA, NVT in DUO's PIP API)."""

    ALFA = "alfa"
    ANDERS_ALFA = "anders_alfa"
    NVT = "nvt"


class Leerbaarheidstoets(Labelled):
    """DUO's LeerbaarheidstoetsResultaat."""

    HAALBAAR = "b1_haalbaar"
    NIET_HAALBAAR = "b1_niet_haalbaar"
    ONBEKEND = "onbekend"


class DoelgroepKeuze(Labelled):
    """The person's one-time choice when the status changed (asylum rights prevail unless given up)."""

    BEHOUDEN = "behouden"
    AFSTAND = "afstand"


# The leerroute as DUO's PIP API codes it.
DUO_LEERROUTE = {Leerroute.B1: "B", Leerroute.ONDERWIJS: "O", Leerroute.Z: "Z"}

LABELS.update(
    {
        Alfabetisering.ALFA: "Onderwijs voor analfabeet",
        Alfabetisering.ANDERS_ALFA: "Onderwijs voor anders-gealfabetiseerde",
        Alfabetisering.NVT: "Niet van toepassing",
        Leerbaarheidstoets.HAALBAAR: "B1-route haalbaar",
        Leerbaarheidstoets.NIET_HAALBAAR: "B1-route niet haalbaar",
        Leerbaarheidstoets.ONBEKEND: "Onbekend",
        DoelgroepKeuze.BEHOUDEN: "Houdt de rechten van asielstatushouder",
        DoelgroepKeuze.AFSTAND: "Ziet af van de rechten van asielstatushouder",
    }
)
