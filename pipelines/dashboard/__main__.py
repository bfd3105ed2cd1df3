"""``python -m pipelines.dashboard [build|serve]``: build the site from the configured published
file, or serve the configured site folder (``make dashboard``, ``make serve``)."""

import sys

from dashboards.build import summary
from dashboards.serve import serve
from pipelines.dashboard.assets import build_from_settings
from pipelines.settings import setting_path


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "build"
    if command == "serve":
        port = int(argv[1]) if len(argv) > 1 else 8000
        return serve(setting_path("WELLBEING_DASHBOARD_DIR"), port=port)
    if command != "build":
        print("usage: python -m pipelines.dashboard [build|serve [port]]", file=sys.stderr)
        return 2
    try:
        report, out = build_from_settings()
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"dashboard build failed: {exc}", file=sys.stderr)
        return 1
    print(summary(report, out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
