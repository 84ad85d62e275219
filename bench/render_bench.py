"""Message rendering on the dispatch hot path: renders per second beside ``str.format_map``.

Run: ``.venv/bin/python bench/render_bench.py [--seconds 2]``. Both loops render the same
recipients in the same run; the baseline does plain substitution only (no fallbacks, no spintax,
no case-insensitive names), so the ratio is the price of the message language.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from payam.message.templating import parse_template, render_for

# A realistic message: a greeting spintax, three variables (one with a fallback), a nested choice.
TEMPLATE = (
    "{سلام|درود|Hello} {{name|مشتری عزیز}}،\n"
    "سفارش {{order}} شما در {{city}} {آماده است|{رسید|ارسال شد}}. "
    "برای لغو اشتراک STOP را بفرستید."
)
BASELINE = (
    "{greeting} {name}،\nسفارش {order} شما در {city} {status}. برای لغو اشتراک STOP را بفرستید."
)
CITIES = ["تهران", "اصفهان", "شیراز", "تبریز", "مشهد"]


def recipients(count: int) -> list[dict[str, str]]:
    rng = random.Random(7)
    return [
        {
            "name": "" if index % 10 == 0 else f"کاربر {index}",
            "order": str(100_000 + index),
            "city": rng.choice(CITIES),
        }
        for index in range(count)
    ]


def measure(
    label: str,
    render: Callable[[int, dict[str, str]], str],
    rows: list[dict[str, str]],
    seconds: float,
) -> float:
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for index, row in enumerate(rows):
            render(index, row)
        done += len(rows)
    rate = done / (time.perf_counter() - started)
    print(f"{label:<38} {rate:>12,.0f} renders/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--recipients", type=int, default=1000)
    args = parser.parse_args()

    rows = recipients(args.recipients)
    template = parse_template(TEMPLATE)
    shared_rng = random.Random(1)
    # The baseline gets its varying parts precomputed, so it measures substitution alone.
    prepared = [{**row, "greeting": "سلام", "status": "آماده است"} for row in rows]
    # Keys not in normalized form force the case-insensitive lookup: the slow path.
    shouted = [{key.upper(): value for key, value in row.items()} for row in rows]

    baseline = measure(
        "str.format_map (baseline)",
        lambda index, _row: BASELINE.format_map(prepared[index]),
        rows,
        args.seconds,
    )
    seeded = measure(
        "render_for(seed=recipient id)",
        lambda index, row: render_for(template, row, seed=index),
        rows,
        args.seconds,
    )
    with_rng = measure(
        "Template.render(rng=shared Random)",
        lambda _index, row: template.render(row, rng=shared_rng),
        rows,
        args.seconds,
    )
    slow_keys = measure(
        "render_for, keys not normalized",
        lambda index, _row: render_for(template, shouted[index], seed=index),
        rows,
        args.seconds,
    )
    started = time.perf_counter()
    parses = 2000
    for _ in range(parses):
        parse_template(TEMPLATE)
    parse_rate = parses / (time.perf_counter() - started)
    print(f"{'parse_template':<38} {parse_rate:>12,.0f} parses/s")
    print()
    print(f"render_for / baseline:              {seeded / baseline:.2f}")
    print(f"render(rng) / baseline:             {with_rng / baseline:.2f}")
    print(f"unnormalized keys / baseline:       {slow_keys / baseline:.2f}")


if __name__ == "__main__":
    main()
