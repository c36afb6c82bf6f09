"""The upload's pure rules: columns and own words, one row → one line, and the plan for a whole file
(no database: the context is built by hand)."""

from datetime import date

from portal.uploads.columns import Layout
from portal.uploads.lines import Outcome, parse_row
from portal.uploads.rules import Context, describe_change, plan, totals
from shared.errors import RuleError
from shared.tabular import Row
from shared.vocab import Component

TODAY = date(2026, 11, 28)
HEADER = [
    "BSN",
    "Periode van",
    "Periode tot",
    "Aanwezig",
    "Geoorloofd afwezig",
    "Ongeoorloofd",
    "Reden afwezigheid",
    "Cursistnummer",
]
AMINA, OLENA = "123456782", "111222333"


def enrollment(id_, component, start=date(2026, 1, 1), end=None):
    return {"id": id_, "component": Component(component), "start": start, "end": end}


def context(hours=None, milestones=None):
    amina = {
        "id": 1,
        "bsn": AMINA,
        "doelgroep": "asiel",
        "pip_dagtekening": None,
        "gemeente": 7,
        "leerroute": "B1",
        "voornamen": "Amina",
        "achternaam": "Haddad",
    }
    olena = {
        "id": 2,
        "bsn": OLENA,
        "doelgroep": "gezin_overig",
        "pip_dagtekening": None,
        "gemeente": 7,
        "leerroute": "B1",
        "voornamen": "Olena",
        "achternaam": "Kovalenko",
    }
    return Context(
        today=TODAY,
        people={
            AMINA: (amina, [enrollment(10, "taal")]),
            OLENA: (olena, [enrollment(20, "taal"), enrollment(21, "pvt")]),
        },
        hours=hours or {},
        milestones=milestones or {},
    )


def lines(*rows, header=HEADER, saved_values=None):
    layout = Layout.of(header, saved_values=saved_values)
    assert layout.problems() == []
    return [parse_row(Row(n, list(r)), layout) for n, r in enumerate(rows, start=2)], layout


def test_headers_by_alias_and_unknown_columns_left_alone():
    layout = Layout.of(HEADER)
    assert layout.positions == {
        "bsn": 0,
        "period_start": 1,
        "period_end": 2,
        "attended": 3,
        "geoorloofd": 4,
        "ongeoorloofd": 5,
        "verzuim_reden": 6,
    }
    assert layout.match.unknown == [(7, "Cursistnummer")]
    assert Layout.of(["BSN", "Aanwezig"]).problems() == [
        "Bij uren hoort een periode: de kolom 'Periode van' en 'Periode tot en met' ontbreekt."
    ]
    assert "geen kolom met het BSN" in Layout.of(["Naam", "Afronding", "Datum afronding"]).problems()[0]


def test_a_row_becomes_typed_values():
    (line,), _ = lines([AMINA, "01-10-2026", "31-10-2026", "36,75", "1½", None, "Ziek", "C1"])
    assert (line.bsn, line.start, line.end, line.attended, line.geoorloofd, line.reden.value) == (
        AMINA,
        date(2026, 10, 1),
        date(2026, 10, 31),
        2205,
        90,
        "ziek",
    )
    assert line.errors is None


def test_own_words_need_a_mapping_once():
    row = [AMINA, "01-10-2026", "31-10-2026", "30", "3", None, "Huisartsbezoek", None]
    (line,), layout = lines(row)
    assert "'Huisartsbezoek') staat niet in de lijst" in line.errors[0][1]
    assert layout.unknown == {"verzuim_reden": ["Huisartsbezoek"]}
    (line,), _ = lines(row, saved_values={"verzuim_reden": {"huisartsbezoek": "medisch"}})
    assert line.errors is None and line.reden.value == "medisch"


def test_plan_new_correction_unchanged_skipped_and_errors():
    current = {
        "id": 99,
        "period_start": date(2026, 9, 1),
        "period_end": date(2026, 9, 30),
        "attended_minutes": 600,
        "geoorloofd_minutes": 0,
        "ongeoorloofd_minutes": 0,
        "verzuim_reden": None,
        "toelichting": "",
    }
    ctx = context(hours={(10, "taal_knm"): [current]})
    ctx.people[OLENA] = (ctx.people[OLENA][0], ctx.people[OLENA][1][:1])  # only the language course here
    found, _ = lines(
        [AMINA, "01-10-2026", "31-10-2026", "10", None, None, None, None],
        [AMINA, "01-09-2026", "30-09-2026", "12", None, None, None, None],
        [AMINA, "01-09-2026", "30-09-2026", "10", None, None, None, None],
        [AMINA, "01-08-2026", "31-08-2026", "0", "0", None, None, None],
        [OLENA, "01-10-2026", "31-10-2026", "10", None, None, None, None],
        ["999999990", "01-10-2026", "31-10-2026", "10", None, None, None, None],
        [AMINA, "15-09-2026", "14-10-2026", "10", None, None, None, None],
    )
    planned = plan(found, ctx)
    by_row = {line.number: line for line in planned}
    # row 2 (October, new) and row 8 (mid-September to mid-October) overlap inside the file: both refused
    assert "overlapt met regel 8" in by_row[2].errors[0][1] and "overlapt met regel 2" in by_row[8].errors[0][1]
    # rows 3 and 4 report September twice: duplicates inside the file
    assert "Dubbel" in by_row[3].errors[0][1] and "Dubbel" in by_row[4].errors[0][1]
    assert by_row[5].outcome is Outcome.SKIPPED
    assert "rechtstreeks aan DUO" in by_row[6].errors[0][1]
    assert "hoort niet bij iemand" in by_row[7].errors[0][1]
    # with a course and a PVT here, an hours row must say which kind it is
    found, _ = lines([OLENA, "01-10-2026", "31-10-2026", "10", None, None, None, None])
    assert "Vul de kolom 'Soort uren' in" in plan(found, context())[0].errors[0][1]


def test_plan_correction_describes_old_and_new():
    current = {
        "id": 99,
        "period_start": date(2026, 9, 1),
        "period_end": date(2026, 9, 30),
        "attended_minutes": 600,
        "geoorloofd_minutes": 0,
        "ongeoorloofd_minutes": 0,
        "verzuim_reden": None,
        "toelichting": "",
    }
    ctx = context(hours={(10, "taal_knm"): [current]})
    found, _ = lines(
        [AMINA, "01-09-2026", "30-09-2026", "12", "2", None, "werk", None],
        [AMINA, "01-10-2026", "31-10-2026", "10", None, None, None, None],
    )
    planned = plan(found, ctx)
    assert [line.outcome for line in planned] == [Outcome.CORRECTION, Outcome.NEW]
    assert planned[0].previous["id"] == 99
    assert describe_change(planned[0]) == (
        "Taal en KNM 01-09-2026 t/m 30-09-2026: aanwezig 10 → 12 uur; geoorloofd verzuim 0 → 2 uur; reden geen → Werk"
    )
    t = totals(planned)
    assert (t.rows, t.new, t.corrected, t.persons, t.minutes) == (2, 1, 1, 1, 24 * 60)
    found, _ = lines([AMINA, "01-09-2026", "30-09-2026", "10", None, None, None, None])
    assert plan(found, ctx)[0].outcome is Outcome.UNCHANGED


def test_a_gezinsmigrants_completion_is_accepted_while_language_hours_are_not():
    header = ["BSN", "Afronding", "Datum afronding", "Verwijtbaar", "Toelichting"]
    found, _ = lines(
        [OLENA, "PVT ondertekend", "14-11-2026", None, None],
        [OLENA, "PVT", "15-11-2026", None, None],
        [AMINA, "niet voltooid", "14-11-2026", "misschien", None],
        header=header,
    )
    planned = plan(found, context())
    assert planned[0].outcome is Outcome.ERROR and "Dubbel" in planned[0].errors[0][1]  # twice in one file
    assert "ja of nee" in planned[2].errors[0][1]
    found, _ = lines([OLENA, "PVT ondertekend", "14-11-2026", None, None], header=header)
    assert plan(found, context())[0].outcome is Outcome.NEW


def test_a_formula_is_named_not_computed():
    (line,), _ = lines([AMINA, "01-10-2026", "31-10-2026", "=3+4", None, None, None, None])
    assert line.errors == [
        (
            "attended",
            "In deze cel staat een formule (=3+4). Regie rekent formules niet uit: "
            "zet de uitkomst als gewone waarde in de cel (in Excel: Plakken speciaal, "
            "Waarden).",
        )
    ]


def test_a_cell_means_the_same_whatever_was_read_before():
    """True and 1 are equal as dict keys: a cache of parsed cells must not let one stand for the other."""
    from portal.uploads.lines import _hours

    _hours.cache_clear()
    assert _hours(1, "attended") == 60
    try:
        _hours(True, "attended")
        raise AssertionError("true is no number of hours")
    except RuleError:
        pass
    _hours.cache_clear()
    try:
        _hours(False, "attended")
        raise AssertionError("false is no number of hours")
    except RuleError:
        pass
    assert _hours(0, "attended") == 0
