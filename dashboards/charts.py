"""Chart data: plain dicts the templates draw as HTML and CSS (no SVG text that shrinks).

A bar chart is a list of rows (label, bar length as a share of the longest, value as shown); a
forest plot positions each estimate and interval on a -1..1 axis as percentages. Text stays HTML
text, so it keeps its size on a 390 px phone. Every chart also comes with a text summary and a
data table on the page.
"""

from dashboards.i18n import missing


def _value(v: object) -> float | None:
    return None if missing(v) else float(v)


def bars(chart_id: str, title: str, desc: str, items: list[tuple[str, object, str]]) -> dict:
    """``items`` are (label, value, value as displayed); a missing or non-positive value has no bar."""
    values = [_value(v) for _, v, _ in items]
    top = max([v for v in values if v is not None and v > 0], default=1.0)
    rows = [
        {"label": label, "shown": shown, "pct": round(100 * v / top, 1) if v and v > 0 else 0}
        for (label, _, shown), v in zip(items, values, strict=True)
    ]
    return {"id": chart_id, "title": title, "desc": desc, "rows": rows}


def _axis(v: float) -> float:
    return round((max(-1.0, min(1.0, v)) + 1) / 2 * 100, 1)


def forest(chart_id: str, title: str, desc: str, groups: list[tuple[str, list[tuple]]]) -> dict:
    """Estimates with intervals on a -1..1 axis: ``groups`` are (heading, rows) with rows
    (label, estimate, low, high, estimate as displayed)."""
    out = []
    for heading, rows in groups:
        items = []
        for label, est, low, high, shown in rows:
            est, low, high = _value(est), _value(low), _value(high)
            items.append(
                {
                    "label": label,
                    "shown": shown,
                    "est": _axis(est) if est is not None else None,
                    "lo": _axis(low) if low is not None else None,
                    "hi": _axis(high) if high is not None else None,
                }
            )
        out.append({"heading": heading, "rows": items})
    ticks = [{"pos": _axis(v), "label": f"{v:g}".replace("-", "−")} for v in (-1, -0.5, 0, 0.5, 1)]
    return {"id": chart_id, "title": title, "desc": desc, "groups": out, "ticks": ticks}


def _runs(present: list[bool]) -> list[list[int]]:
    """Runs of consecutive indexes where ``present`` holds (a gap breaks a line or a band)."""
    out: list[list[int]] = [[]]
    for i, ok in enumerate(present):
        if ok:
            out[-1].append(i)
        elif out[-1]:
            out.append([])
    return [r for r in out if r]


def _lines(xs: list[float], ys: list[float | None]) -> list[str]:
    """The SVG point lists of a line through the points with a value."""
    return [_points([(xs[i], ys[i]) for i in run]) for run in _runs([v is not None for v in ys])]


def _points(seg: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in seg)


def series(chart_id: str, title: str, points: list[dict], fmt) -> dict:
    """An indicator over time on a 0-100 box (SVG ``viewBox``; text stays HTML).

    ``points`` (oldest first) have ``label``, ``start`` (a date or None), ``value``, ``lo``/``hi``
    (95 % interval or None) and ``wales``; ``fmt`` formats an axis value. x is proportional to
    the period start when every point has one (gaps in a series show as gaps), else evenly
    spaced; y runs from the lowest to the highest of values, intervals and Wales, padded 8 %.
    Returns the line and Wales segments and band polygons as SVG point lists, the dots as
    percentages, and the axis labels.
    """
    n = len(points)
    starts = [p.get("start") for p in points]
    if all(s is not None for s in starts) and n > 1 and starts[0] != starts[-1]:
        first, span = starts[0].toordinal(), starts[-1].toordinal() - starts[0].toordinal()
        xs = [round(100 * (s.toordinal() - first) / span, 2) for s in starts]
    else:
        xs = [round(100 * i / max(n - 1, 1), 2) for i in range(n)]
    val = [_value(p.get("value")) for p in points]
    lo = [_value(p.get("lo")) for p in points]
    hi = [_value(p.get("hi")) for p in points]
    wal = [_value(p.get("wales")) for p in points]
    present = [v for v in val + lo + hi + wal if v is not None]
    top, bottom = (max(present), min(present)) if present else (1.0, 0.0)
    if top == bottom:
        top, bottom = top + 1, bottom - 1
    pad = (top - bottom) * 0.08
    top, bottom = top + pad, bottom - pad

    def y(v: float | None) -> float | None:
        return None if v is None else round(100 * (top - v) / (top - bottom), 2)

    bands = [
        _points([(xs[j], y(hi[j])) for j in run] + [(xs[j], y(lo[j])) for j in reversed(run)])
        for run in _runs([lo[i] is not None and hi[i] is not None for i in range(n)])
    ]
    return {
        "id": chart_id,
        "title": title,
        "line": _lines(xs, [y(v) for v in val]),
        "wales": _lines(xs, [y(v) for v in wal]),
        "bands": bands,
        "dots": [
            {"x": xs[i], "y": y(val[i]), "last": i == n - 1} for i in range(n) if val[i] is not None
        ],
        "y_top": fmt(top - pad),
        "y_bottom": fmt(bottom + pad),
        "y_top_pos": y(top - pad),
        "y_bottom_pos": y(bottom + pad),
        "x_first": points[0]["label"] if points else "",
        "x_last": points[-1]["label"] if points else "",
    }
