"""Issue 10, security: what a page shows comes from the server, downloads name files safely, refusals are
logged quietly, every answer carries the security headers, the audit log is append-only in the database."""

from shared.tables import UploadBatch
from shared.web import content_disposition
from tests.web.test_inbox import as_user, seed_items
from tests.web.test_uploads import END, START

# --- Notices come from the server, never from the URL --------------------------------------------------


async def test_a_notice_in_the_url_shows_nothing(client, world):
    await client.login(world.users["regisseur"])
    for url in (
        "/inbox?melding=Bel+ons+op+0900-1234",
        "/inbox/instellingen?melding=Bel+ons+op+0900-1234",
        "/beheer/gebruikers?melding=opgeslagen",
        f"/gemeente/inburgeraars/{world.people['amina']}?melding=geregistreerd",
    ):
        page = await client.get(url)
        assert "Bel ons" not in page.text and page.notice() == "", url


async def test_a_real_save_shows_its_notice_once(client, world):
    pvt, verzuim = await seed_items(world)
    await client.login(world.users["teamleider"])
    other = await as_user("regisseur@test.nl")
    page = await client.submit(
        "/inbox?bereik=alle",
        "form#bulk",
        {"item": [str(pvt["id"]), str(verzuim["id"])], "medewerker": str(other.id), "actie": "toewijzen"},
    )
    assert page.status == 303 and "melding" not in page.response.headers["location"]
    # Another page first: the notice waits for the page it is about.
    assert (await client.get("/inbox/dashboard")).notice() == ""
    assert (await client.get(page.response.headers["location"])).notice() == "2 item(s) toegewezen."
    assert (await client.get("/inbox?bereik=alle")).notice() == ""


# --- Downloads name their file safely -------------------------------------------------------------------

HOSTILE = 'rapport"; filename=evil.exe;\r\nSet-Cookie: x=1\n\u00e9t\u00e9 \u2013 ok\\..csv'


def test_content_disposition_keeps_a_hostile_name_inside_its_value():
    from email.message import Message
    from urllib.parse import unquote

    value = content_disposition(HOSTILE)
    assert "\r" not in value and "\n" not in value and value.isascii()
    # A standard parser reads one attachment with the two forms of one name: nothing injected.
    msg = Message()
    msg["Content-Disposition"] = value
    params = msg.get_params(header="content-disposition")
    assert [name for name, _ in params] == ["attachment", "filename", "filename"]
    assert params[1][1] == "rapport_ filename_evil.exe_Set-Cookie_ x_1ete  ok_..csv"
    charset, _, encoded = params[2][1]
    assert charset == "UTF-8"
    full = unquote(encoded.encode("latin-1").decode("utf-8"))
    assert full == unquote(value.split("UTF-8''", 1)[1]) == 'rapport"; filename=evil.exe;Set-Cookie: x=1été – ok_..csv'


async def test_the_error_rows_download_of_a_hostile_file_name(client, world):
    from tests.web.test_uploads import bsn, csv_file, upload

    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    page = await upload(client, csv_file(f"{amina};A;{START};{END};-3;;;;"))
    await UploadBatch.update({UploadBatch.filename: HOSTILE}).where(UploadBatch.id.is_not_null())
    r = await client.http.get(page.doc.find("a", string="CSV")["href"])
    assert r.status_code == 200 and "x=1" not in r.headers.get("set-cookie", "")
    assert r.headers["content-disposition"].startswith('attachment; filename="rapport_ filename_evil.exe_Set-')
    assert "filename*=UTF-8''rapport%22%3B%20filename%3Devil.exe%3BSet-Cookie" in r.headers["content-disposition"]
    assert "x" not in client.http.cookies


# --- Refusals are logged as one line ---------------------------------------------------------------------


async def test_refused_requests_are_logged_as_one_line_without_a_traceback(client, world, caplog):
    import logging

    caplog.set_level(logging.INFO)
    await client.login(world.users["regisseur"])
    for status, method, url, kw in [
        (400, "get", "/inbox?pagina=abc", {}),
        (404, "get", "/bestaat-niet", {}),
        (404, "get", "/gemeente/inburgeraars/99999999999", {}),
        (405, "delete", "/inbox", {}),
    ]:
        caplog.clear()
        r = await getattr(client.http, method)(url, **kw)
        ours = [rec for rec in caplog.records if rec.name not in {"httpx", "aiosqlite"}]
        assert all(rec.exc_info is None and "Traceback" not in rec.getMessage() for rec in ours), url
        lines = [rec.getMessage() for rec in ours if rec.name == "regie.http"]
        assert r.status_code == status, url
        assert len(lines) == 1 and lines[0].startswith(f"{status} {method.upper()} {url.split('?')[0]} ("), url
    # A form with a mistake (422) is an answer, not an error: nothing with a traceback either.
    caplog.clear()
    page = await client.post(f"/gemeente/inburgeraars/{world.people['amina']}/pip", {"pip_dagtekening": "gisteren"})
    assert page.status == 422
    assert not [rec for rec in caplog.records if rec.exc_info]
