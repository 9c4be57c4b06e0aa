"""The Crossref rate limiter, driven by a fake clock."""

from __future__ import annotations

import itertools
import threading

import pytest

from refmgr.core.crossref.ratelimit import LIST, SINGLE, Limit, RateLimiter, parse_interval, parse_retry_after
from tests.crossref_server import FakeClock


def _limiter(clock: FakeClock, polite: bool = True) -> RateLimiter:
    return RateLimiter(polite=polite, clock=clock, sleep=clock.sleep)


def test_polite_pool_paces_singles_at_ten_and_lists_at_three_per_second(fake_clock: FakeClock) -> None:
    limiter = _limiter(fake_clock)
    starts = []
    for _ in range(10):
        with limiter.slot(SINGLE):
            starts.append(fake_clock.now)
    assert starts == pytest.approx([i * 0.1 for i in range(10)])
    list_starts = []
    for _ in range(4):
        with limiter.slot(LIST):
            list_starts.append(fake_clock.now)
    # Lists have their own budget: the first starts at once, then one every 1/3 s.
    assert [b - a for a, b in itertools.pairwise(list_starts)] == pytest.approx([1 / 3] * 3)


def test_public_pool_is_slower_and_one_at_a_time(fake_clock: FakeClock) -> None:
    limiter = _limiter(fake_clock, polite=False)
    assert limiter.limits == {SINGLE: Limit(5, 1.0, 1), LIST: Limit(1, 1.0, 1)}
    assert limiter.concurrency == 1
    for _ in range(3):
        with limiter.slot(LIST):
            pass
    assert fake_clock.now == pytest.approx(2.0)


def test_headers_update_the_limits(fake_clock: FakeClock) -> None:
    limiter = _limiter(fake_clock)
    headers = {"x-rate-limit-limit": "2", "x-rate-limit-interval": "4s", "x-concurrency-limit": "1"}
    limiter.update_from_headers(LIST, headers)
    assert limiter.limits[LIST] == Limit(2, 4.0, 1)
    assert limiter.limits[SINGLE] == Limit(10, 1.0, 3)
    assert limiter.concurrency == 1
    limiter.update_from_headers(SINGLE, {"x-rate-limit-limit": "garbage"})
    assert limiter.limits[SINGLE] == Limit(10, 1.0, 3)
    for _ in range(3):
        with limiter.slot(LIST):
            pass
    assert fake_clock.now == pytest.approx(4.0)


def test_backoff_is_exponential_bounded_and_honours_retry_after(fake_clock: FakeClock) -> None:
    limiter = RateLimiter(clock=fake_clock, sleep=fake_clock.sleep, base_backoff=1.0, max_backoff=8.0)
    assert [limiter.backoff(n) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert limiter.backoff(0, retry_after=30.0) == 30.0
    # The block applies to every kind: the next request waits for it.
    with limiter.slot(SINGLE):
        assert fake_clock.now == pytest.approx(30.0)


def test_concurrency_slots_block_until_released(fake_clock: FakeClock) -> None:
    limiter = _limiter(fake_clock, polite=False)
    entered = threading.Event()
    release = threading.Event()
    second_started = threading.Event()

    def first() -> None:
        with limiter.slot(SINGLE):
            entered.set()
            release.wait(5)

    def second() -> None:
        with limiter.slot(SINGLE):
            second_started.set()

    one = threading.Thread(target=first)
    one.start()
    assert entered.wait(5)
    two = threading.Thread(target=second)
    two.start()
    assert not second_started.wait(0.1)
    assert limiter.in_flight == 1
    release.set()
    one.join(5)
    two.join(5)
    assert second_started.is_set() and limiter.in_flight == 0


@pytest.mark.parametrize(("value", "seconds"), [("1s", 1.0), ("60s", 60.0), ("2m", 120.0), ("3", 3.0), ("x", None)])
def test_parse_interval(value: str, seconds: float | None) -> None:
    assert parse_interval(value) == seconds


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after(None) is None


def test_clients_of_one_host_share_a_limiter() -> None:
    from refmgr.core.crossref.client import CrossrefClient

    with CrossrefClient("http://127.0.0.1:9", mailto="a@example.org") as one, \
            CrossrefClient("http://127.0.0.1:9/", mailto="b@example.org") as two, \
            CrossrefClient("http://127.0.0.1:9") as public:  # fmt: skip
        assert one.limiter is two.limiter
        assert public.limiter is not one.limiter and public.limiter.concurrency == 1
