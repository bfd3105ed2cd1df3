"""Refresh benchmark (``make bench-refresh``, also the first stage of ``make bench``).

Times three real-data runs of ``python -m pipelines.run`` (what ``make run`` calls), each in a
fresh process as an analyst would start it, on a temporary warehouse and Dagster instance:

1. a full run on an empty warehouse;
2. a warm re-run with no source changed (target: under 10 s on 2 cores; it should do no work
   past the source checksums);
3. a re-run after one source file changed (the loneliness index: one value edited), which should
   rebuild only that source and what depends on it.

Prints wall time, assets built and the ratio to the full run, the CPU count and load average
(other work on the machine slows every figure), and writes ``benchmarks/results/refresh.csv``.
The mirror is ``WELLBEING_SOURCE_MIRROR`` or ``../shared/data``, never modified: the edited
folder is copied, the others linked.
"""

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.mirror import linked_mirror
from pipelines.settings import PROJECT_ROOT, outputs_under

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
CHANGED_FOLDER = "loneliness_index_wales"
CHANGED_FILE = "wales_clinical_loneliness_lsoa.csv"
TARGET_NO_CHANGE_SECONDS = 10.0


def _run(env: dict) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"pipelines.run failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    match = re.search(r": (\d+) assets built", done.stdout)
    return seconds, int(match.group(1)) if match else 0, done.stdout


def main() -> int:
    source = Path(
        os.environ.get("WELLBEING_SOURCE_MIRROR") or PROJECT_ROOT.parent / "shared" / "data"
    )
    if not source.is_dir():
        sys.exit(f"no source mirror at {source}: set WELLBEING_SOURCE_MIRROR")
    root = Path(tempfile.mkdtemp(prefix="wellbeing-refresh-bench-"))
    try:
        mirror = linked_mirror(source, root / "mirror", (CHANGED_FOLDER,))
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **outputs_under(root)}
        env["WELLBEING_SOURCE_MIRROR"] = str(mirror)
        home = Path(env["DAGSTER_HOME"])
        home.mkdir()
        shutil.copy(PROJECT_ROOT / "deploy" / "dagster.local.yaml", home / "dagster.yaml")
        env.pop("WELLBEING_PARTNER_INBOX", None)
        rows = []
        load_before = os.getloadavg()[0]
        full, full_built, _ = _run(env)
        rows.append(("full run (empty warehouse)", full, full_built))
        warm, warm_built, out = _run(env)
        assert "Nothing changed" in out, out[-2000:]
        rows.append(("warm re-run, no source changed", warm, warm_built))
        path = mirror / CHANGED_FOLDER / CHANGED_FILE
        lines = path.read_text(encoding="utf-8").splitlines()
        first = lines[1].split(",")
        first[1] = f"{float(first[1]) + 0.001!r}"
        path.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
        one, one_built, _ = _run(env)
        rows.append(("one source changed (loneliness index)", one, one_built))
        load_after = os.getloadavg()[0]
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(
        f"\nRefresh benchmark: {os.cpu_count()} cores, load average {load_before:.1f} before, "
        f"{load_after:.1f} after (other processes slow every figure)"
    )
    print(f"{'run':<40} {'seconds':>8} {'assets built':>13} {'vs full':>8}")
    for name, seconds, built in rows:
        print(f"{name:<40} {seconds:>8.1f} {built:>13} {seconds / full:>8.2f}")
    verdict = "met" if warm < TARGET_NO_CHANGE_SECONDS else "NOT met"
    print(f"no-change re-run: {warm:.1f} s (target < {TARGET_NO_CHANGE_SECONDS:.0f} s: {verdict})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "refresh.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["run", "seconds", "assets_built", "ratio_to_full", "cores", "load_avg"])
        for name, seconds, built in rows:
            writer.writerow(
                [
                    name,
                    round(seconds, 2),
                    built,
                    round(seconds / full, 3),
                    os.cpu_count(),
                    round(load_after, 2),
                ]
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
