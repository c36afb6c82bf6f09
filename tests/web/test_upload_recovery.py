"""An upload whose worker died during its check or commit (issue 10): recognised at once when its
heartbeat has expired and no transaction holds it, on the batch page, in the API and by the background
job; it can then be committed or is checked again, with a message saying what happened. A worker that
is alive (fresh heartbeat, or holding the batch row) is left alone."""

import asyncio
from datetime import timedelta

import pytest

from portal.uploads import batches, read
from portal.uploads.check import receive
from portal.uploads.rules import BatchStatus
from shared import clock
from shared.db import lock_for_update, write_tx
from shared.tables import HourRecord, UploadBatch
from tests.web.test_uploads import END, START, bsn, csv_file, totals, upload

pytestmark = pytest.mark.anyio


async def checked_upload(client, world) -> int:
    await client.login(world.users["school"])
    amina = await bsn(world.people["amina"])
    await upload(client, csv_file(f"{amina};A;{START};{END};7;;;;"))
    return (await UploadBatch.select(UploadBatch.id).first())["id"]


async def worker_died(batch_id: int, status: BatchStatus, ago: timedelta) -> None:
    """As a process killed while it worked: the status it set, its last heartbeat `ago`."""
    await UploadBatch.update(
        {UploadBatch.status: status, UploadBatch.progress: 0, UploadBatch.heartbeat_at: clock.now() - ago}
    ).where(UploadBatch.id == batch_id)


async def test_a_commit_whose_worker_died_can_be_committed_again_at_once(client, world):
    batch_id = await checked_upload(client, world)
    await worker_died(batch_id, BatchStatus.COMMITTING, batches.STALE_AFTER + timedelta(seconds=1))
    page = await client.get(f"/portaal/uploads/{batch_id}")
    status = page.doc.find(id="upload-status")
    assert "Wordt opgeslagen" not in status.get_text() and status.get("hx-trigger") is None  # no endless 0%
    assert "Het opslaan is onderbroken" in status.get_text() and "Er is niets opgeslagen" in status.get_text()
    assert page.doc.select_one("form.commit") is not None
    await client.post(f"/portaal/uploads/{batch_id}/opslaan")
    await batches.wait_for_background()
    assert (await UploadBatch.select(UploadBatch.status).first())["status"] == BatchStatus.COMMITTED
    assert await HourRecord.count() == 1


async def test_opslaan_on_an_abandoned_commit_works_without_opening_the_page_first(client, world):
    batch_id = await checked_upload(client, world)
    await worker_died(batch_id, BatchStatus.COMMITTING, timedelta(minutes=1))
    await client.post(f"/portaal/uploads/{batch_id}/opslaan")
    await batches.wait_for_background()
    page = await client.get(f"/portaal/uploads/{batch_id}")
    assert totals(page)["Nieuw"] == "1" and await HourRecord.count() == 1


async def test_a_worker_with_a_fresh_heartbeat_is_left_alone(client, world):
    batch_id = await checked_upload(client, world)
    await worker_died(batch_id, BatchStatus.COMMITTING, batches.STALE_AFTER - timedelta(seconds=5))
    page = await client.get(f"/portaal/uploads/{batch_id}")
    assert "Wordt opgeslagen" in page.doc.find(id="upload-status").get_text()
    assert await read.recover_abandoned() == 0


async def test_an_api_check_whose_worker_died_is_checked_again_by_the_background_job(client, world):
    amina = await bsn(world.people["amina"])
    batch_id, _ = await receive(
        batches.api_actor(world.school, "x"), csv_file(f"{amina};A;{START};{END};7;;;;"), "a.csv"
    )
    await worker_died(batch_id, BatchStatus.CHECKING, timedelta(minutes=10))
    assert await read.recover_abandoned() == 1  # nobody looked at it
    await batches.wait_for_background()
    batch = await UploadBatch.select().where(UploadBatch.id == batch_id).first()
    assert batch["status"] == BatchStatus.CHECKED and batch["rows_new"] == 1
    assert await read.recover_abandoned() == 0


@pytest.mark.postgres_only
async def test_a_commit_still_holding_its_batch_is_not_taken_over(client, world):
    """A long commit on PostgreSQL cannot write its heartbeat while its own transaction holds the batch row;
    that held row is what says it is alive."""
    batch_id = await checked_upload(client, world)
    await worker_died(batch_id, BatchStatus.COMMITTING, timedelta(minutes=10))
    holding, release = asyncio.Event(), asyncio.Event()

    async def live_commit():
        async with write_tx():
            await lock_for_update(UploadBatch, batch_id)
            holding.set()
            await release.wait()

    worker = asyncio.create_task(live_commit())
    await holding.wait()
    try:
        assert await read.recover_abandoned() == 0
        batch = await UploadBatch.select().where(UploadBatch.id == batch_id).first()
        assert batch["status"] == BatchStatus.COMMITTING
    finally:
        release.set()
        await worker
    assert await read.recover_abandoned() == 1  # its transaction ended without a commit: now it is abandoned
