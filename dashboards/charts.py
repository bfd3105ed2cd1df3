"""Chart data: plain dicts the templates draw as HTML and CSS (no SVG text that shrinks).

A bar chart is a list of rows (label, bar length as a share of the longest, value as shown); a
forest plot positions each estimate and interval on a -1..1 axis as percentages. Text stays HTML
text, so it keeps its size on a 390 px phone. Every chart also comes with a text summary and a
data table on the page.
"""

import math


def _value(v: object) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


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
