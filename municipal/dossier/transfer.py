"""Warm transfer (warme overdracht, handreiking §4.5): a summary of the dossier for the gemeente a person
moves to: the PIP, the offer, hours followed to date per kind, milestones, enrollments and open items.
A plain UTF-8 text file, readable anywhere and printable; notes (aantekeningen) stay behind.

Open items come from the inbox (municipal.inbox.services.open_item_lines).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from municipal.dossier.access import person_of
from municipal.dossier.read import enrollments_of, hours_to_date, milestones_of
from shared import audit, clock
from shared.calendar import term_end
from shared.hours import format_hours
from shared.security import CurrentUser
from shared.tables import AppUser, Gemeente
from shared.vocab import LABELS
from shared.web import datum, label


async def open_items(inburgeraar_id: int) -> list[str]:
    from municipal.inbox.services import open_item_lines

    return await open_item_lines(inburgeraar_id)


def _yes_no(value: bool | None) -> str:
    return {True: "ja", False: "nee"}.get(value, "–")


def _line(name: str, value: Any) -> str:
    if isinstance(value, date):
        value = datum(value)
    return f"  {name + ':':<32} {value if value not in (None, '') else '–'}"


async def summary(user: CurrentUser, inburgeraar_id: int, origin: str = "") -> tuple[str, str]:
    """(file name, text) of the transfer summary."""
    person = await person_of(user, inburgeraar_id)
    gemeente = await Gemeente.select(Gemeente.name).where(Gemeente.id == person["gemeente"]).first()
    regisseur = (
        await AppUser.select(AppUser.name, AppUser.email).where(AppUser.id == person["regisseur"]).first()
        if person["regisseur"]
        else None
    )
    hours = await hours_to_date(inburgeraar_id)
    milestones = await milestones_of(inburgeraar_id)
    enrollments = await enrollments_of(inburgeraar_id)
    items = await open_items(inburgeraar_id)
    now = clock.now()
    p = person
    out = [
        "WARME OVERDRACHT – SAMENVATTING DOSSIER INBURGERING",
        f"Gemeente van vertrek: {gemeente['name']}",
        f"Gemaakt op {datum(now)} door {user.name}",
        "Vertrouwelijk: bevat persoonsgegevens. Alleen delen met de gemeente van vestiging.",
        "",
        "PERSOON",
        _line("Naam", f"{p['voornamen']} {p['achternaam']}"),
        _line("BSN", p["bsn"]),
        _line("Geboortedatum", p["geboortedatum"]),
        _line("Rechten als", label(p["doelgroep"])),
        _line("Status volgens DUO", label(p["doelgroep_status"] or p["doelgroep"])),
        _line(
            "Keuze over asielrechten",
            f"{label(p['doelgroep_keuze'])} ({datum(p['doelgroep_keuze_op'])})" if p["doelgroep_keuze"] else None,
        ),
        _line("Inburgeringsplichtig sinds", p["plicht_start"]),
        _line("Verhuisd op", p["verhuisd_op"]),
        _line("Naar gemeente", p["verhuisd_naar"]),
        _line("Contact vorige gemeente", f"{regisseur['name']} <{regisseur['email']}>" if regisseur else None),
        "",
        "PIP",
        _line("Dagtekening", p["pip_dagtekening"]),
        _line("PIP-versie", p["pip_nummer"] or (1 if p["pip_dagtekening"] else None)),
        _line("Leerroute", label(p["leerroute"]) if p["leerroute"] else None),
        _line("Niveau", p["niveau"]),
        _line("Intensiteit", f"{p['intensiteit_uren']} uur" if p["intensiteit_uren"] else None),
        _line("Alfabetisering", label(p["indicator_alfabetisering"]) if p["indicator_alfabetisering"] else None),
        _line("Mag opleiding afmaken", _yes_no(p["opleiding_afmaken"])),
        _line("Termijn (3 jaar) loopt tot", term_end(p["termijn_start"]) if p["termijn_start"] else None),
        "",
        "INBURGERINGSAANBOD",
        _line("Datum aanbod", p["datum_inburgeringsaanbod"]),
        _line("Reden vertraagde start", p["reden_vertraagde_start"]),
        "",
        "BREDE INTAKE",
        _line("Start", p["intake_start"]),
        _line("Einde", p["intake_eind"]),
        _line("Leerbaarheidstoets", label(p["leerbaarheidstoets"]) if p["leerbaarheidstoets"] else None),
        _line("Datum toets", p["leerbaarheidstoets_datum"]),
        _line("Keren niet verschenen", p["intake_no_shows"]),
        "",
        "BEGELEIDING EN ONTZORGEN",
        _line("Indicatie maatsch. begeleiding", _yes_no(p["begeleiding_indicatie"])),
        _line("Start begeleiding", p["begeleiding_start"]),
        _line("Ontzorgen van", p["ontzorgen_start"]),
        _line("Ontzorgen tot", p["ontzorgen_eind"]),
        _line("Voortgangsgesprekken", ", ".join(datum(date.fromisoformat(d)) for d in p["voortgangsgesprekken"] or [])),
        "",
        "GEVOLGDE UREN TOT NU TOE (aanwezig + geoorloofd + ongeoorloofd verzuim)",
    ]
    if hours:
        out.append(f"  {'Soort':<34} {'aanwezig':>9} {'geoorloofd':>11} {'ongeoorloofd':>13} {'gevolgd':>9}")
        for h in hours:
            out.append(
                f"  {LABELS.get(h['kind'], label(h['kind'])):<34} {format_hours(h['attended']):>9} "
                f"{format_hours(h['geoorloofd']):>11} {format_hours(h['ongeoorloofd']):>13} "
                f"{format_hours(h['followed']):>9}"
            )
    else:
        out.append("  Geen uren gemeld.")
    out += ["", "MIJLPALEN"]
    for m in milestones:
        extra = "; ".join(
            x
            for x in [
                f"verwijtbaar: {_yes_no(m['verwijtbaar'])}" if m["verwijtbaar"] is not None else "",
                f"uitslag: {m['uitslag']}" if m["uitslag"] else "",
            ]
            if x
        )
        out.append(
            f"  {datum(m['event_date'])}  {label(m['kind'])} ({m['organisation_name']})"
            + (f" – {extra}" if extra else "")
        )
    if not milestones:
        out.append("  Geen mijlpalen gemeld.")
    out += ["", "INSCHRIJVINGEN BIJ AANBIEDERS"]
    for e in enrollments:
        out.append(
            f"  {label(e['component']):<30} {e['organisation_name']}, {datum(e['start'])} t/m "
            f"{datum(e['end']) or 'heden'}" + (f", gepland {e['planned_hours']} uur" if e["planned_hours"] else "")
        )
    if not enrollments:
        out.append("  Geen inschrijvingen.")
    out += ["", "OPEN PUNTEN"]
    out += [f"  - {item}" for item in items] or ["  Geen open punten."]
    out.append("")
    await audit.record(
        user,
        "transfer.download",
        "inburgeraar",
        inburgeraar_id,
        origin=origin,
        inburgeraar_id=inburgeraar_id,
        subject_gemeente_id=person["gemeente"],
    )
    return f"warme-overdracht-{inburgeraar_id}-{clock.today():%Y%m%d}.txt", "\n".join(out)
