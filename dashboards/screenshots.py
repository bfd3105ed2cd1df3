"""Screenshots of each page type for the README: ``python -m dashboards.screenshots --site
data/site --out docs/dashboard`` (needs Playwright and Debian's ``/usr/bin/chromium``).

Each PNG is the top of a page at 1,000 x 700 (phone pages at 390 x 780), reduced to a
256-colour palette so the files stay small.
"""

import argparse
import functools
import http.server
import threading
from pathlib import Path

SHOTS = (
    ("overview", "en/index.html", 1000),
    ("small-areas", "cy/areas.html", 1000),
    ("la-profile", "en/la/W06000015.html#map-heading", 1000),
    ("lsoa-profile", "cy/lsoa/W01002019.html", 1000),
    ("search", "en/search.html?q=CF1%205UX", 1000),
    ("compare", "en/compare.html#level=la&areas=W06000015,W06000022,W06000011", 1000),
    ("goals", "en/goals.html#goal-healthier", 1000),
    ("deprivation", "en/deprivation.html", 1000),
    ("methods", "cy/methods.html", 1000),
    ("phone-la-profile", "en/la/W06000015.html#activity-heading", 390),
    ("psb-profile", "en/psb/psb_gwent.html#map-heading", 1000),
    ("health-board-profile", "cy/hb/W11000029.html#members-heading", 1000),
    ("msoa-profile", "en/msoa/W02000398.html#figures-heading", 1000),
    ("la-series", "en/la/W06000015.html#series-heading", 1000),
    ("phone-series", "cy/la/W06000015.html#series-anxiety-financial-year", 390),
)


def main(argv: list[str] | None = None) -> int:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", nargs="*", help="names of the shots to take (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(args.site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            for name, rel, width in SHOTS:
                if args.only and name not in args.only:
                    continue
                page = browser.new_page(
                    viewport={"width": width, "height": 700 if width > 500 else 780}
                )
                page.goto(base + rel, wait_until="load")
                page.wait_for_timeout(1000)
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target))
                page.close()
                Image.open(target).convert("RGB").quantize(256).save(target, optimize=True)
                print(f"{target} {target.stat().st_size // 1024} KB")
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
