"""Who holds a batch's claim on its deliveries, and whether they still do.

A batch claims its rows under an owner, written to `deliveries.claimed_by`: the worker
process (host, pid and a random part, new in a forked child), the claim's number in that
process, and the Redis epoch the claim was made under. While the process holds claims, a
heartbeat in it (two threads, started by its first claim) does two things every beat,
WORKER_HEARTBEAT_SECONDS or a quarter of DELIVERY_CLAIM_TIMEOUT if that is shorter:
- it rewrites the process's key in Redis, `tend:worker:<process>:claims`, the set of the
  claims it holds, which expires three beats later;
- it refreshes `claimed_at` on the rows of those claims still being sent.
A kill -9 stops both. `judge` tells the send's watcher (upkeep.requeue_stale) about each owner:
- HELD: the process's key lists the claim. Never re-queued, however long a message takes.
- GONE: Redis has kept its data since the claim was made (same epoch) and the claim is not
  listed: its process died, or let go of it without handing the rows back (a batch that
  failed while PostgreSQL was away). Its rows go back once `claimed_at` is three beats old,
  which also covers a live process cut off from Redis for longer than that: its beats still
  refresh the rows.
- UNKNOWN: no owner (the embedded default, or rows claimed before owners were recorded),
  the epoch changed (Redis lost its data: a missing key proves nothing), or Redis does not
  answer. These wait for DELIVERY_CLAIM_TIMEOUT, as before.
The epoch is a random value stored without expiry; the first write after Redis lost its data
sets a new one. Every write of the set happens under one lock with the whole set, so a beat
never drops a claim registered meanwhile.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select, update

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import get_connection, is_embedded
from saas.core.tenancy import bound_to
from saas.delivery.models import SENDING, Delivery

HELD, GONE, UNKNOWN = "held", "gone", "unknown"
BEATS_TO_DEATH = 3  # missed beats after which a process's key runs out
_EPOCH_KEY = "tend:claims:epoch"
_WORKER_KEY = "tend:worker:{worker}:claims"


def beat_seconds(config) -> float:
    """Seconds between two heartbeats under this configuration."""
    return max(0.05, min(config["WORKER_HEARTBEAT_SECONDS"], config["DELIVERY_CLAIM_TIMEOUT"] / 4))


def grace_seconds(config) -> float:
    """How long a dead owner's rows keep their claim: three beats, at most the timeout."""
    return min(BEATS_TO_DEATH * beat_seconds(config), config["DELIVERY_CLAIM_TIMEOUT"])


@dataclass(frozen=True)
class _Claim:
    app: Flask
    redis: Redis
    number: int
    publication_id: int
    send_id: int
    beat: float  # seconds
    owner: str = ""  # as written on the rows


class _Holder:
    """This process's claims, the key that lists them and the threads that keep them alive.

    One thread rewrites the key every beat, another refreshes the rows: a slow database
    must not delay the key past its expiry.
    """

    def __init__(self) -> None:
        self.worker = f"{socket.gethostname()[:64]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.lock = threading.Lock()
        self.claims: dict[int, _Claim] = {}
        self.numbers = itertools.count(1)
        self.wakes = (threading.Event(), threading.Event())  # one per thread
        self.beating = False

    def publish(self, redis: Redis) -> str:
        """Rewrite the set of claims held on this Redis (call under the lock); the epoch."""
        held = [claim for claim in self.claims.values() if claim.redis is redis]
        key = _WORKER_KEY.format(worker=self.worker)
        pipe = redis.pipeline(transaction=True)
        pipe.set(_EPOCH_KEY, secrets.token_hex(8), nx=True)
        pipe.get(_EPOCH_KEY)
        pipe.delete(key)
        if held:
            pipe.sadd(key, *(claim.number for claim in held))
            beat = max(claim.beat for claim in held)
            pipe.pexpire(key, int(1000 * BEATS_TO_DEATH * beat))
        return pipe.execute()[1].decode()

    def start_beating(self) -> None:
        """Wake the heartbeat threads, starting them on the first claim (under the lock)."""
        for wake in self.wakes:
            wake.set()
        if self.beating:
            return
        self.beating = True
        for work, wake in zip((self._publish_all, self._refresh_all), self.wakes, strict=True):
            thread = threading.Thread(target=self._every_beat, args=(work, wake), daemon=True)
            thread.name = f"claims{work.__name__}"
            thread.start()

    def _every_beat(self, work, wake: threading.Event) -> None:
        """Run `work` once a beat while claims are held (on a schedule: not after each run)."""
        due = time.monotonic()
        while True:
            with self.lock:
                beats = [claim.beat for claim in self.claims.values()]
            if not beats:
                wake.wait()
                wake.clear()
                due = time.monotonic()
                continue
            due += min(beats)
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                work()
            except Exception:  # a heartbeat that stopped would pass for a dead process
                logging.getLogger(__name__).exception("claims heartbeat failed")
            due = max(due, time.monotonic() - min(beats))  # late: no burst of catching up

    def _publish_all(self) -> None:
        with self.lock:
            for claim in {id(c.redis): c for c in self.claims.values()}.values():
                try:
                    self.publish(claim.redis)
                except RedisError as exc:  # the rows' claimed_at still says we are here
                    claim.app.logger.warning("claims heartbeat could not reach Redis: %s", exc)

    def _refresh_all(self) -> None:
        with self.lock:
            claims = list(self.claims.values())
        for claim in claims:
            with claim.app.app_context():
                try:
                    with self.lock:
                        if claim.number not in self.claims:  # let go meanwhile
                            continue
                    _refresh(claim)
                except Exception:  # the database is away: the key in Redis still holds
                    claim.app.logger.warning("claims heartbeat could not refresh", exc_info=True)


def _refresh(claim: _Claim) -> None:
    """Mark the claim's rows still being sent as claimed now (rows being recorded are skipped)."""
    rows = (
        select(Delivery.id)
        .where(
            Delivery.send_id == claim.send_id,
            Delivery.status == SENDING,
            Delivery.claimed_by == claim.owner,
        )
        .with_for_update(skip_locked=True)
    )
    with bound_to(claim.publication_id):
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(rows))
            .values(claimed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


_holder = _Holder()


def _new_holder_after_fork() -> None:
    # A forked child (RQ's work horse) is a process of its own, without the parent's thread.
    global _holder
    _holder = _Holder()


os.register_at_fork(after_in_child=_new_holder_after_fork)


@contextmanager
def hold(publication_id: int, send_id: int) -> Iterator[str | None]:
    """Register a claim about to be made and keep it alive until the block ends.

    Yields the owner to write on the claimed rows: None in the embedded default, where jobs
    run inline and no watcher re-queues by owner. Registered before the rows are claimed and
    let go after they are handed back, so the key never misses a claim its rows show.
    """
    if is_embedded():
        yield None
        return
    holder, app, redis = _holder, current_app._get_current_object(), get_connection()
    with holder.lock:
        number = next(holder.numbers)
        claim = _Claim(app, redis, number, publication_id, send_id, beat_seconds(app.config))
        holder.claims[number] = claim
        owner = f"{holder.worker}/{number}"
        try:
            owner += "@" + holder.publish(redis)
        except RedisError:  # no epoch: the owner cannot be judged, the timeout applies
            app.logger.warning("claim %s made without Redis: it waits for the timeout", owner)
        holder.claims[number] = replace(claim, owner=owner)
        holder.start_beating()
    try:
        yield owner
    finally:
        with holder.lock:
            del holder.claims[number]
            # Redis away: the next beat, or the key running out, drops the claim.
            with contextlib.suppress(RedisError):
                holder.publish(redis)


def _parse(owner: str) -> tuple[str, str, str] | None:
    """(process, claim number, epoch) of an owner written by `hold`; None without an epoch."""
    claim, _, epoch = owner.rpartition("@")
    worker, _, number = claim.rpartition("/")
    return (worker, number, epoch) if claim and worker and number else None


def judge(owners: Iterable[str | None]) -> dict[str | None, str]:
    """HELD, GONE or UNKNOWN for each owner (see the module's docstring)."""
    verdicts: dict[str | None, str] = {owner: UNKNOWN for owner in owners}
    named = {owner: _parse(owner) for owner in verdicts if owner}
    named = {owner: parts for owner, parts in named.items() if parts}
    if not named or is_embedded():
        return verdicts
    try:
        pipe = get_connection().pipeline(transaction=True)
        pipe.get(_EPOCH_KEY)
        for worker, number, _ in named.values():
            pipe.sismember(_WORKER_KEY.format(worker=worker), number)
        epoch, *listed = pipe.execute()
    except RedisError:
        return verdicts
    if epoch is None:
        return verdicts
    for (owner, (_, _, claimed_under)), held in zip(named.items(), listed, strict=True):
        if claimed_under == epoch.decode():
            verdicts[owner] = HELD if held else GONE
    return verdicts
