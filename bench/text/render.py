"""What the largest allowed post costs to render: cop.text.render_markdown on worst cases,
each as long as cop.text.check_body accepts (at most SIZE characters, BODY_MAX unless
told, and MARKS formatting marks, MARKS_MAX unless told; `--marks 0` for no marks cap),
in ms per render (median of ROUNDS after one warm-up, and the slowest).

    .venv/bin/python bench/text/render.py [--rounds 5] [--size 20000] [--marks 1500]
        [--json out.json]

The anchor, timed before every case in the same run, is a fixed piece of pure-Python work
that does not depend on cop. Each case is also given as a multiple of the anchor's median,
so a loaded machine shows up in the anchor rather than in the comparison. To compare with
an older cop, run this file with that tree first on PYTHONPATH.
"""

import argparse
import json
import statistics
import time

from cop.text import BODY_MAX, MARKS_MAX, count_marks, render_markdown

WORDS = ["громада", "рішення", "бюджет", "сесія", "депутат", "звернення", "село", "місто"]


SIZE = BODY_MAX
MARKS = MARKS_MAX


def _fill(unit: str, limit: int | None = None, head: str = "", tail: str = "") -> str:
    """head, tail and between them as many copies of unit as fit in limit (SIZE) characters
    and MARKS marks."""
    copies = ((limit or SIZE) - len(head + tail)) // len(unit)
    if MARKS and count_marks(unit):
        copies = min(copies, (MARKS - count_marks(head + tail)) // count_marks(unit))
    return head + unit * copies + tail


def _words(count: int) -> str:
    return " ".join(WORDS[i % len(WORDS)] for i in range(count))


CASES = {
    "plain prose": lambda: _fill(_words(12) + " "),
    "prose with links and lists": lambda: _fill(
        f"{_words(20)} [посилання](https://example.org/a?b=1) і https://rada.gov.ua/x.\n\n"
        f"- {_words(5)} [тут](/spaces/1)\n- **{_words(3)}** `код`\n1. {_words(4)}\n\n"
    ),
    "many @mentions": lambda: _fill("@user_name1 @petro.ivanenko "),
    "one paragraph of URLs": lambda: _fill("https://example.org/path/to/page?x=1&y=2 "),
    "angle-bracket autolinks": lambda: _fill("<https://example.org/a/b> "),
    "many emphasis markers": lambda: _fill("*a* **b** _c_ ~~d~~ "),
    "unclosed emphasis": lambda: _fill("*a _b **c ~~d "),
    "nested lists": lambda: _fill("".join("  " * i + "- x\n" for i in range(30)) + "\n"),
    "nested quotes": lambda: _fill(">" * 40 + " x\n\n"),
    "huge table": lambda: _fill(
        "| 1 | **2** | [3](/x) | 4 |\n", head="| a | b | c | d |\n|---|---|---|---|\n"
    ),
    "table of empty cells": lambda: _fill("|||\n", head="|a|b|\n|-|-|\n"),
    "escaped HTML": lambda: _fill("<div onclick=x>&amp; <b>a</b> "),
    "many headings and rules": lambda: _fill("# h\n\n---\n\n"),
    "code blocks": lambda: _fill("```python\nprint('<a>')\n```\n\n"),
    "entities": lambda: _fill("&lt;&#x41;&copy; "),
    "hard line breaks": lambda: _fill("a  \n"),
    "open brackets": lambda: _fill("["),
    "brackets and parens": lambda: _fill("[a]("),
    "links": lambda: _fill("[a](/b) "),
    "nested emphasis": lambda: _fill("*a **b** _c_* "),
    "nested lists with links": lambda: _fill(
        "".join("  " * i + f"- *{i}* [l](/x)\n" for i in range(8)) + "\n"
    ),
    "long ordered list": lambda: _fill("1. a\n"),
    "deep ordered lists": lambda: _fill("".join("    " * i + "1. x\n" for i in range(8))),
    "setext headings": lambda: _fill("a\n-\n"),
    "double quotes": lambda: _fill('"a" '),
    "less-than signs": lambda: _fill("<"),
    "escaped entities": lambda: _fill("&amp;"),
    "backslash escapes": lambda: _fill("\\*"),
    "hashes": lambda: _fill("#"),
    "fenced code lines": lambda: _fill("<\n", head="```\n", tail="```"),
    "open brackets then one close": lambda: _fill("[", tail="]"),
    "long word": lambda: _fill("x"),
}


def anchor() -> float:
    """ms of a fixed pure-Python workload."""
    started = time.perf_counter()
    total = 0
    for i in range(300_000):
        total += i * i % 7
    return (time.perf_counter() - started) * 1000


def measure(source: str, rounds: int) -> list[float]:
    render_markdown(source)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        render_markdown(source)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    global SIZE, MARKS
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=BODY_MAX)
    parser.add_argument("--marks", type=int, default=MARKS_MAX)
    parser.add_argument("--json")
    args = parser.parse_args()
    SIZE, MARKS = args.size, args.marks
    results = {}
    anchors = []
    print(f"{'case':30} {'chars':>6} {'marks':>6} {'median ms':>10} {'max ms':>8} {'x anchor':>9}")
    for name, make in CASES.items():
        source = make()
        anchors += [anchor() for _ in range(3)]
        times = measure(source, args.rounds)
        median = statistics.median(times)
        ratio = median / statistics.median(anchors)
        marks = count_marks(source)
        results[name] = {"chars": len(source), "marks": marks, "median_ms": median}
        results[name].update(max_ms=max(times), x_anchor=ratio)
        print(f"{name:30} {len(source):6} {marks:6} {median:10.1f} {max(times):8.1f} {ratio:9.2f}")
    results["anchor"] = {"median_ms": statistics.median(anchors)}
    print(f"{'anchor':30} {'':6} {'':6} {statistics.median(anchors):10.1f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
