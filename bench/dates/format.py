"""What a date costs on a page: cop.dates.when (relative text, exact title, <time>) and
cop.dates.exact per call, beside the strftime format they replaced (the anchor, timed
in the same run: one zone conversion and strftime, as cop.i18n.format_short did).

    .venv/bin/python bench/dates/format.py [--rounds 7] [--calls 20000]

Microseconds per call, median of ROUNDS, and each as a multiple of the anchor, so a
loaded machine shows in the anchor rather than in the comparison. Dates spread over the
last year, so every branch of `relative` is taken.
"""

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_babel import force_locale, get_timezone

from cop import create_app
from cop.dates import exact, when


def anchor(value: datetime) -> str:
    return value.astimezone(get_timezone()).strftime("%d.%m.%y, %H:%M")


def timed(fn, values, rounds: int) -> float:
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for value in values:
            fn(value)
        results.append((time.perf_counter() - start) / len(values) * 1e6)
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="cop-bench-dates-"))
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'cop.sqlite'}",
            "SECRET_KEY": "bench",
        }
    )
    now = datetime.now(UTC)
    step = timedelta(days=365) / args.calls
    values = [now - step * i for i in range(args.calls)]
    for locale in ("uk", "en"):
        with app.test_request_context(), force_locale(locale):
            base = timed(anchor, values, args.rounds)
            for name, fn in (("anchor (strftime)", anchor), ("exact", exact), ("when", when)):
                us = base if fn is anchor else timed(fn, values, args.rounds)
                print(f"{locale}  {name:18} {us:6.2f} µs  {us / base:5.1f} × anchor")


if __name__ == "__main__":
    main()
