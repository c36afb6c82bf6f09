"""Database helpers that behave the same on SQLite and PostgreSQL (stack-notes §3, §4)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresTransaction
from piccolo.engine.sqlite import SQLiteTransaction, TransactionType

IntegrityErrors = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)

# The largest id a row can have: Piccolo's Serial and Integer columns (ids and the foreign keys to them) are
# int4 on PostgreSQL. A larger number in a URL names nothing (404), and must never reach a query (asyncpg
# and sqlite3 raise on numbers their column or driver cannot hold).
MAX_ID = 2**31 - 1

_sqlite_write_lock = asyncio.Lock()


def engine():
    return engine_finder()


def is_postgres() -> bool:
    return engine().engine_type == "postgres"


class _GivesItsConnectionBack:
    """Piccolo's transaction, except that its connection always goes back, however the task ends. Piccolo (1.38)
    gives it back only when BEGIN, COMMIT or ROLLBACK ran to the end: a task cancelled at that moment (a heartbeat
    stopped, a shutdown) kept its connection for good, and after ten of them every query of the process waited
    for ever (PostgreSQL's pool has ten). The engine's transaction class supplies `_begin` and `_give_back`."""

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self._begin()
        except BaseException:
            await self._give_back()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is not None and not self._rolled_back:
                await self.rollback()
            elif exception is None and not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            await self._give_back()
        return exception is None


class _PostgresTransaction(_GivesItsConnectionBack, PostgresTransaction):
    async def _begin(self) -> None:
        self.transaction = self.connection.transaction()
        await self.begin()

    async def _give_back(self) -> None:
        # asyncpg's release is itself safe against cancellation (it shields, and rolls back an open transaction).
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await asyncio.shield(self.connection.close())


class _SQLiteTransaction(_GivesItsConnectionBack, SQLiteTransaction):
    async def _begin(self) -> None:
        await self.begin()

    async def _give_back(self) -> None:
        await asyncio.shield(self.connection.close())  # closing rolls back what a cancelled transaction left open


@asynccontextmanager
async def write_tx() -> AsyncIterator[object]:
    """One write transaction, whose connection is given back even when the task is cancelled halfway.
    SQLite: IMMEDIATE (a deferred one fails at once under concurrency) behind an in-process lock, so
    writers queue instead of erroring."""
    db = engine()
    if db.current_transaction.get() is not None:
        yield db.current_transaction.get()  # already inside one: join it (the lock is not re-entrant)
    elif db.engine_type == "sqlite":
        async with _sqlite_write_lock:
            async with _SQLiteTransaction(db, transaction_type=TransactionType.immediate) as tx:
                yield tx
    else:
        async with _PostgresTransaction(db) as tx:
            yield tx


def sqlite_writer_busy() -> bool:
    """SQLite: whether a write transaction of this process is running now (its work is alive)."""
    return engine().engine_type == "sqlite" and _sqlite_write_lock.locked()


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


# --- Many rows at once (uploads): the same history rules, a few statements instead of one per row ---------


def _transaction():
    tx = engine().current_transaction.get()
    if tx is None:
        raise RuntimeError("bulk writes belong inside write_tx()")
    return tx


async def reserve_ids(table, count: int) -> list[int]:
    """`count` fresh ids for `table`, for rows that others must point at before they are written (a
    correction's predecessor, an event's payload). Call inside write_tx."""
    if count <= 0:
        return []
    name = table._meta.tablename
    conn = _transaction().connection
    if is_postgres():
        return list(
            await conn.fetchval(
                f"SELECT array_agg(nextval(pg_get_serial_sequence('\"{name}\"', 'id'))) FROM generate_series(1, $1)",
                count,
            )
        )
    # SQLite: write_tx holds the database's only write lock, so nobody else takes these ids meanwhile.
    async with conn.execute(f'SELECT COALESCE(MAX("id"), 0) AS top FROM "{name}"') as cursor:
        top = (await cursor.fetchone())["top"]
    return list(range(top + 1, top + 1 + count))


async def insert_many(table, columns: list[str], records: list[tuple]) -> None:
    """Insert rows as tuples in `columns` order: PostgreSQL's COPY, SQLite's executemany. Columns left
    out get their database default. Call inside write_tx."""
    if not records:
        return
    name = table._meta.tablename
    conn = _transaction().connection
    if is_postgres():
        await conn.copy_records_to_table(name, records=records, columns=columns)
    else:
        cols = ", ".join(f'"{c}"' for c in columns)
        await conn.executemany(f'INSERT INTO "{name}" ({cols}) VALUES ({", ".join("?" * len(columns))})', records)


async def append_versions(table, columns: list[str], records: list[tuple], previous_ids: list[int]) -> None:
    """`append_version` for many rows: each record whose `supersedes` is set replaces that row, which keeps
    its data and gains a pointer to its successor. `records` must carry "id" and "supersedes" (ids from
    `reserve_ids`); `previous_ids` lists the superseded ids. Call inside write_tx."""
    name = table._meta.tablename
    conn = _transaction().connection
    id_at, sup_at = columns.index("id"), columns.index("supersedes")
    pairs = [(r[id_at], r[sup_at]) for r in records if r[sup_at] is not None]
    # First out of the "one current row" unique index (pointing at themselves), then the new rows, then
    # the pointer to the successor: the same three steps as append_version.
    if previous_ids:
        if is_postgres():
            await conn.execute(f'UPDATE "{name}" SET superseded_by = id WHERE id = ANY($1::int[])', previous_ids)
        else:
            await conn.executemany(f'UPDATE "{name}" SET superseded_by = id WHERE id = ?', [(i,) for i in previous_ids])
    await insert_many(table, columns, records)
    if pairs:
        if is_postgres():
            await conn.execute(
                f'UPDATE "{name}" AS t SET superseded_by = v.new FROM unnest($1::int[], $2::int[]) '
                "AS v(new, old) WHERE t.id = v.old",
                [p[0] for p in pairs],
                [p[1] for p in pairs],
            )
        else:
            await conn.executemany(f'UPDATE "{name}" SET superseded_by = ? WHERE id = ?', pairs)
