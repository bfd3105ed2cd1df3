"""Serve the built site locally: ``python -m dashboards.serve [--dir data/site] [--port 8000]``."""

import argparse
import functools
import http.server
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from pipelines.settings import setting_path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=setting_path("WELLBEING_DASHBOARD_DIR"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if not (args.dir / "index.html").is_file():
        print(f"no site in {args.dir}: run `make dashboard` first")
        return 1
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(args.dir))
    with http.server.ThreadingHTTPServer((args.host, args.port), handler) as server:
        print(f"serving {args.dir} on http://{args.host}:{args.port}/ (Ctrl+C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
