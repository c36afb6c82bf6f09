"""Database helpers that behave the same on SQLite and PostgreSQL (stack-notes §3, §4)."""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import TransactionType

IntegrityErrors = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)

_sqlite_write_lock = asyncio.Lock()


def engine():
    return engine_finder()


def is_postgres() -> bool:
    return engine().engine_type == "postgres"


@asynccontextmanager
async def write_tx() -> AsyncIterator[object]:
    """One write transaction. SQLite: IMMEDIATE (a deferred one fails at once under concurrency)
    behind an in-process lock, so writers queue instead of erroring."""
    db = engine()
    if db.current_transaction.get() is not None:
        yield db.current_transaction.get()  # already inside one: join it (the lock is not re-entrant)
    elif db.engine_type == "sqlite":
        async with _sqlite_write_lock:
            async with db.transaction(transaction_type=TransactionType.immediate) as tx:
                yield tx
    else:
        async with db.transaction() as tx:
            yield tx


async def open_db() -> None:
    db = engine()
    if db.engine_type == "postgres":
        await db.start_connection_pool(min_size=1, max_size=10)


async def close_db() -> None:
    db = engine()
    if db.engine_type == "postgres":
        await db.close_connection_pool()


def set_sqlite_wal(path: str) -> None:
    """WAL persists in the file: readers no longer wait for the writer."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


async def append_version(table, row, previous_id: int | None) -> int:
    """Insert `row`; when it corrects `previous_id`, the old row keeps its data and gains a pointer to it.

    Call inside a transaction. The old row is first pointed at itself, which takes it out of the
    "one current row" unique index, so the new one can be inserted; then it points at its successor.
    """
    if previous_id is not None:
        await table.update({table.superseded_by: previous_id}).where(table.id == previous_id)
        row.supersedes = previous_id
    new_id = (await table.insert(row).returning(table.id))[0]["id"]
    if previous_id is not None:
        await table.update({table.superseded_by: new_id}).where(table.id == previous_id)
    return new_id


async def lock_for_update(table, row_id: int) -> None:
    """Serialise writers on one row until the transaction ends. PostgreSQL: SELECT … FOR UPDATE;
    SQLite needs nothing, its write transactions already run one at a time (write_tx)."""
    if is_postgres():
        await table.select(table.id).where(table.id == row_id).lock_rows()
