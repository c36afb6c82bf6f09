"""Search finds people by their names on both engines: case and accents folded (shared/search.py), in the
gemeente's people search and in the provider's overview. The people and queries of
tests/fixtures/name-search-non-ascii.json, plus other members of the kind."""

import json

import pytest

from shared.search import fold, search_name
from shared.tables import Inburgeraar
from tests.support import FIXTURES, make_enrollment, make_person
from tests.web.test_dossier import register

pytestmark = pytest.mark.anyio
CASE = json.loads((FIXTURES / "name-search-non-ascii.json").read_text())
PEOPLE = CASE["persons"]
# Which person each query of the case file finds (they name one person each)
FINDS = {
    "Özdemir": "Özdemir",
    "özdemir": "Özdemir",
    "Ömer Özdemir": "Özdemir",
    "Çelik": "Çelik",
    "çelik": "Çelik",
    "Ünal": "Ünal",
    "ünal": "Ünal",
    "Élodie": "Ünal",
}
# Other members of the kind: without the accents, in capitals, surname first, a part of a name
MORE = {
    "Ozdemir": "Özdemir",
    "OZDEMIR": "Özdemir",
    "ÖZDEMİR": "Özdemir",
    "omer": "Özdemir",
    "Özdemir, Ömer": "Özdemir",
    "sukru celik": "Çelik",
    "ŞÜKRÜ": "Çelik",
    "unal": "Ünal",
    "elodie unal": "Ünal",
    "nguyen": "Nguyễn",
    "Nguyễn": "Nguyễn",
    "VĂN NGUYỄN": "Nguyễn",
    "thi": "Nguyễn",
    "lukasz": "Łukasz Øster",
    "oster": "Łukasz Øster",
}


def test_the_case_file_queries_are_all_covered():
    assert set(CASE["queries_expected_to_find"]) == set(FINDS)


def test_fold_takes_case_and_accents_away():
    assert fold("Ömer Özdemir") == "omer ozdemir" and fold("ŞÜKRÜ Çelik") == "sukru celik"
    assert fold("Élodie Ünal") == "elodie unal" and fold("Nguyễn Văn Thị") == "nguyen van thi"
    assert fold("İlkay") == "ilkay" and fold("ılgın") == "ilgin"  # Turkish dotted and dotless i
    assert fold("Łukasz Øster-Ærø") == "lukasz oster-aero" and fold("Straße") == "strasse"
    assert fold("  Amina \t Haddad ") == "amina haddad"
    assert search_name("Ömer", "Özdemir") == "omer ozdemir | ozdemir, omer"


async def registered(client, world) -> dict[str, int]:
    await client.login(world.users["regisseur"])
    ids = {}
    for p in PEOPLE:
        page = await register(client, bsn=p["bsn"], voornamen=p["voornamen"], achternaam=p["achternaam"])
        assert page.status == 200, page.errors()
        row = await Inburgeraar.select(Inburgeraar.id).where(Inburgeraar.bsn == p["bsn"]).first()
        ids[p["achternaam"]] = row["id"]
    ids["Nguyễn"] = await make_person(world.gemeente, voornamen="Thị Văn", achternaam="Nguyễn")
    ids["Łukasz Øster"] = await make_person(world.gemeente, voornamen="Łukasz", achternaam="Øster")
    for person in ids.values():
        await make_enrollment(person, world.school, "taal")
    return ids


def names(page) -> list[str]:
    return [r[0] for r in page.table_rows("table.people") if len(r) > 1]  # not the "nobody found" row


async def test_the_gemeente_finds_people_by_their_names_whatever_the_case_or_accents(client, world):
    ids = await registered(client, world)
    surname = {pid: n for n, pid in ids.items()}
    for query, who in {**FINDS, **MORE}.items():
        page = await client.get("/gemeente", params={"q": query})
        found = names(page)
        assert len(found) == 1, (query, found)
        expected = await Inburgeraar.select().where(Inburgeraar.id == ids[who]).first()
        assert found[0].startswith(expected["achternaam"]), (query, found, surname)
    # nobody else, and the signs LIKE knows mean themselves
    for query in ("Özdemirr", "%", "_", "Ö%", "\\"):
        assert names(await client.get("/gemeente", params={"q": query})) == [], query


async def test_a_renamed_person_is_found_by_the_new_name_only(client, world):
    ids = await registered(client, world)
    url = f"/gemeente/inburgeraars/{ids['Özdemir']}"
    await client.submit(url, "#sectie-persoon form", {"achternaam": "Yılmaz"}, follow_redirects=True)
    assert names(await client.get("/gemeente", params={"q": "yilmaz"})) == ["Yılmaz, Ömer"]
    assert names(await client.get("/gemeente", params={"q": "özdemir"})) == []
    row = await Inburgeraar.select(Inburgeraar.zoeknaam).where(Inburgeraar.id == ids["Özdemir"]).first()
    assert row["zoeknaam"] == "omer yilmaz | yilmaz, omer"


async def test_the_provider_finds_its_people_by_their_names_whatever_the_case_or_accents(client, world):
    ids = await registered(client, world)
    await client.login(world.users["school"])
    for query, who in {**FINDS, **MORE}.items():
        page = await client.get("/portaal", params={"q": query})
        found = names(page)
        assert len(found) == 1, (query, found)
        person = await Inburgeraar.select().where(Inburgeraar.id == ids[who]).first()
        assert person["achternaam"] in found[0], (query, found)
    assert names(await client.get("/portaal", params={"q": "Özdemirr"})) == []
