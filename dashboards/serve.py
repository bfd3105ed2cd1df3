"""Serve a built site locally: ``python -m dashboards.serve --dir data/site [--port 8000]``.

The site needs no server (it works from ``file://``); this is for a quick look over HTTP.
"""

import argparse
import functools
import http.server
from pathlib import Path


def serve(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> int:
    if not (Path(folder) / "index.html").is_file():
        print(f"no site in {folder}: run `make dashboard` first")
        return 1
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        print(f"serving {folder} on http://{host}:{port}/ (Ctrl+C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    return serve(args.dir, args.host, args.port)


if __name__ == "__main__":
    raise SystemExit(main())
