"""Two regisseurs act on the same item at once (issue 10): the item is read under a row lock, so exactly
one claim or close succeeds, and the other hears in Dutch who was first."""

import asyncio
from datetime import timedelta

import pytest

from municipal.errors import TransitionError
from municipal.inbox import services
from municipal.inbox.rules import Outcome, Status
from municipal.tables import InboxEntry, InboxItem
from portal import services as portal
from shared import clock
from shared.security import CurrentUser
from shared.tables import AppUser
from shared.vocab import MilestoneKind


async def user(email) -> CurrentUser:
    return CurrentUser.from_row(await AppUser.select().where(AppUser.email == email).first())


async def an_item(world) -> int:
    await portal.report_milestone(
        await user("pvt@test.nl"),
        world.people["amina"],
        portal.MilestoneInput(
            world.enrollments["amina_pvt"], MilestoneKind.PVT_ONDERTEKENING, clock.today() - timedelta(days=1)
        ),
    )
    await services.process_pending()
    return (await InboxItem.select(InboxItem.id).first())["id"]


GEMEENTE_USERS = ["regisseur@test.nl", "teamleider@test.nl", "beheer@test.nl"]


async def race(calls) -> tuple[list, list[str]]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    wins = [r for r in results if not isinstance(r, BaseException)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(e, TransitionError) for e in losses), losses
    return wins, [e.message for e in losses]


@pytest.mark.postgres_only
async def test_concurrent_claims_of_one_item_let_exactly_one_win(world):
    item_id = await an_item(world)
    people = [await user(e) for e in GEMEENTE_USERS]
    for _ in range(3):  # claim all at once, then give it back, a few times
        wins, messages = await race(services.change_status(u, item_id, Status.IN_BEHANDELING) for u in people)
        assert len(wins) == 1
        item = await InboxItem.select().where(InboxItem.id == item_id).first()
        winner = next(u for u in people if u.id == item["assignee"])
        assert (
            messages
            == [f"Dit item is net door {winner.name} opgepakt. Vernieuw de pagina om te zien wat er is gedaan."] * 2
        )
        await services.change_status(winner, item_id, Status.NIEUW)
    claims = await InboxEntry.count().where((InboxEntry.item == item_id) & (InboxEntry.to_status == "in_behandeling"))
    assert claims == 3


@pytest.mark.postgres_only
async def test_concurrent_closes_of_one_item_close_it_once(world):
    item_id = await an_item(world)
    people = [await user(e) for e in GEMEENTE_USERS]
    wins, messages = await race(
        services.change_status(u, item_id, Status.AFGEHANDELD, outcome=Outcome.GEEN_ACTIE, reason="dubbel")
        for u in people
    )
    assert len(wins) == 1 and len(messages) == 2 and all("net door" in m and "afgehandeld" in m for m in messages)
    closes = await InboxEntry.count().where((InboxEntry.item == item_id) & (InboxEntry.to_status == "afgehandeld"))
    assert closes == 1


async def test_who_comes_second_hears_who_was_first(world):
    item_id = await an_item(world)
    first, second = await user("regisseur@test.nl"), await user("teamleider@test.nl")
    await services.change_status(first, item_id, Status.IN_BEHANDELING)
    with pytest.raises(TransitionError, match=f"Dit item is net door {first.name} opgepakt"):
        await services.change_status(second, item_id, Status.IN_BEHANDELING)
    with pytest.raises(TransitionError, match="U heeft dit item al opgepakt"):
        await services.change_status(first, item_id, Status.IN_BEHANDELING)
