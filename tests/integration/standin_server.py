"""A stand-in for the publishers' servers in tests (no network in CI): run in its own process.

``python tests/integration/standin_server.py ROUTES.json`` binds 127.0.0.1 on a free port, prints
``PORT <n>`` and serves until killed. ROUTES.json maps a request path with its query string
(percent-decoded, e.g. ``/www.gov.wales/sites/x.ods`` or ``/services1.arcgis.com/...?where=...``)
to ``{"file": "<local path>"}`` or ``{"status": 503}`` (re-read on every request, so a
test can change answers); anything else is answered 404.
"""

import http.server
import json
import sys
from pathlib import Path
from urllib.parse import unquote


def main() -> None:
    routes_file = Path(sys.argv[1])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            routes = {unquote(k): v for k, v in json.loads(routes_file.read_text()).items()}
            route = routes.get(unquote(self.path))
            if route is None or "file" not in route:
                self.send_error((route or {}).get("status", 404))
                return
            body = Path(route["file"]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
