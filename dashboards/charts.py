"""Charts as inline SVG strings: horizontal bar charts and a forest plot of correlations.

Every chart is ``role="img"`` with a ``<title>`` and ``<desc>`` referenced by
``aria-labelledby``/``aria-describedby``; the page adds a text summary and a data table.
Colours meet WCAG 2.2 non-text contrast (3:1) against white.
"""

from markupsafe import Markup, escape

BAR = "#3b528b"  # viridis blue, 7.5:1 on white
INK = "#1b1b1b"
GRID = "#767676"  # 4.5:1 on white


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        (
            f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width:g} {height:g}" role="img" '
            f'aria-labelledby="{chart_id}-t" aria-describedby="{chart_id}-d" '
            f'xmlns="http://www.w3.org/2000/svg">'
        ),
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    items: list[tuple[str, float | None, str]],
    width: float = 640,
    label_width: float = 190,
) -> Markup:
    """Horizontal bars: ``items`` are (label, value, value as displayed); ``None`` draws no bar."""
    row = 28
    top = 8
    height = top + row * max(len(items), 1) + 8
    values = [v for _, v, _ in items if v is not None]
    vmax = max([v for v in values if v > 0], default=1.0)
    plot_w = width - label_width - 90
    out = _open(chart_id, width, height, title, desc)
    out.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" '
        f'y2="{height - 8}" stroke="{GRID}" stroke-width="1"/>'
    )
    for i, (label, value, shown) in enumerate(items):
        y = top + i * row
        out.append(
            f'<text x="{label_width - 8}" y="{y + row / 2 + 5:g}" text-anchor="end" '
            f'fill="{INK}" font-size="14">{escape(label)}</text>'
        )
        w = 0.0 if value is None or value <= 0 else value / vmax * plot_w
        if w > 0:
            out.append(
                f'<rect x="{label_width}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" '
                f'fill="{BAR}"/>'
            )
        out.append(
            f'<text x="{label_width + w + 6:.1f}" y="{y + row / 2 + 5:g}" fill="{INK}" '
            f'font-size="14">{escape(shown)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def forest_plot(
    chart_id: str,
    title: str,
    desc: str,
    groups: list[tuple[str, list[tuple[str, float | None, float | None, float | None]]]],
    width: float = 640,
    label_width: float = 190,
) -> Markup:
    """Points with interval lines on a −1…1 axis, grouped under a heading row per group.

    ``groups`` are (heading, rows) with rows (label, estimate, low, high).
    """
    row = 26
    top = 6
    axis_h = 30
    n_rows = sum(1 + len(rows) for _, rows in groups)
    height = top + row * max(n_rows, 1) + axis_h
    plot_l, plot_r = label_width + 10, width - 20

    def sx(v: float) -> float:
        v = max(-1.0, min(1.0, v))
        return plot_l + (v + 1) / 2 * (plot_r - plot_l)

    out = _open(chart_id, width, height, title, desc)
    bottom = top + row * n_rows
    for tick in (-1, -0.5, 0, 0.5, 1):
        x = sx(tick)
        dash = "" if tick == 0 else ' stroke-dasharray="2 3"'
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"'
            f' stroke-width="1"{dash}/>'
        )
        label = f"{tick:g}".replace("-", "−")
        out.append(
            f'<text x="{x:.1f}" y="{bottom + 20}" text-anchor="middle" fill="{INK}" '
            f'font-size="13">{label}</text>'
        )
    i = 0
    for heading, rows in groups:
        y = top + i * row + row / 2
        out.append(
            f'<text x="2" y="{y + 5:g}" fill="{INK}" font-size="13" font-weight="700">'
            f"{escape(heading)}</text>"
        )
        i += 1
        for label, est, low, high in rows:
            y = top + i * row + row / 2
            out.append(
                f'<text x="{label_width}" y="{y + 5:g}" text-anchor="end" fill="{INK}" '
                f'font-size="13">{escape(label)}</text>'
            )
            if low is not None and high is not None:
                out.append(
                    f'<line x1="{sx(low):.1f}" y1="{y:g}" x2="{sx(high):.1f}" y2="{y:g}" '
                    f'stroke="{BAR}" stroke-width="2.5"/>'
                )
            if est is not None:
                out.append(f'<circle cx="{sx(est):.1f}" cy="{y:g}" r="5" fill="{BAR}"/>')
            i += 1
    out.append("</svg>")
    return Markup("".join(out))
