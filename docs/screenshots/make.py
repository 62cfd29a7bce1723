"""The README's screenshots: the dashboard, a discussion, a consultation, a course, a live
session and the search page, at 1,280 and 390 px wide, as the demo's committee member
sees them in Ukrainian.

    .venv/bin/python docs/screenshots/make.py [--port 8150]

Loads `cop demo` into a temporary instance, serves it with `cop run` on loopback, drives
Debian's chromium (headless, through Playwright) and writes <page>-<width>.png here: the
top of each page (at most MAX_HEIGHT px), reduced to a 256-colour palette and optimised
with Pillow. Needs the test extra (`pip install -e '.[test]'`) and `apt-get install chromium`."""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright

OUT = Path(__file__).resolve().parent
WIDTHS = {1280: 900, 390: 1400}  # width: the most of the page's height kept, CSS px
CHROMIUM = os.environ.get("COP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
COP = [sys.executable, "-c", "from cop.cli import main; main()"]
WHO = "member@example.org"  # a committee member: the person the platform is for


def pages(db: Path) -> dict[str, str]:
    """Each page's path, picked from the demo data: the liveliest of each kind."""
    one = sqlite3.connect(db).execute
    discussion = one(
        "SELECT d.id FROM discussion d JOIN space s ON s.id = d.space_id JOIN post p"
        " ON p.discussion_id = d.id WHERE s.kind = 'FORUM' OR s.kind = 'forum'"
        " GROUP BY d.id ORDER BY count(p.id) DESC, d.id LIMIT 1"
    ).fetchone()[0]
    consultation = one(
        "SELECT c.id FROM consultation c JOIN committee_membership m"
        " ON m.community_id = c.community_id JOIN user u ON u.id = m.user_id"
        " WHERE u.email = ? AND c.status IN ('answered', 'ANSWERED') ORDER BY c.id LIMIT 1",
        (WHO,),
    ).fetchone()[0]
    course = one("SELECT id FROM space WHERE kind IN ('course', 'COURSE') LIMIT 1").fetchone()[0]
    live = one(
        "SELECT id FROM live_session WHERE status IN ('live', 'LIVE') ORDER BY id LIMIT 1"
    ).fetchone()[0]
    return {
        "dashboard": "/",
        "discussion": f"/discussions/{discussion}",
        "consultation": f"/consultations/{consultation}",
        "course": f"/courses/{course}",
        "live": f"/live/{live}",
        "search": "/search?q=бюджет",
    }


def serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [*COP, "run", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"cop run did not answer on port {port}") from None
            time.sleep(0.5)


def shoot(base: str, paths: dict[str, str]) -> list[Path]:
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for width, most in WIDTHS.items():
            context = browser.new_context(
                base_url=base, locale="uk-UA", viewport={"width": width, "height": 800}
            )
            page = context.new_page()
            page.goto("/login")
            page.fill("#email", WHO)
            page.fill("#password", "demo")
            page.click("main form button[type=submit]")
            page.wait_for_url(f"{base}/")
            for name, path in paths.items():
                page.goto(path)
                if name == "live":  # the questions arrive over the socket
                    expect(page.locator("#live-connection")).not_to_contain_text("…")
                page.wait_for_load_state("networkidle")
                height = min(most, page.evaluate("document.documentElement.scrollHeight"))
                target = OUT / f"{name}-{width}.png"
                page.screenshot(
                    path=str(target),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                )
                written.append(target)
            context.close()
        browser.close()
    return written


def optimise(path: Path) -> None:
    image = Image.open(path).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cop-screenshots-") as instance:
        db = Path(instance) / "cop.sqlite"
        env = {
            **os.environ,
            "COP_INSTANCE_PATH": instance,
            "COP_DATABASE_URL": f"sqlite:///{db}",
        }
        subprocess.run([*COP, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        server = serve(env, args.port)
        try:
            written = shoot(f"http://127.0.0.1:{args.port}", pages(db))
        finally:
            server.terminate()
            server.wait(timeout=30)
    for path in written:
        optimise(path)
        print(f"{path.relative_to(OUT.parent.parent)}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
