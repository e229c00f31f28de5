"""Bar charts drawn on the server as inline SVG: no library, no script, nothing to download.

The bars are horizontal, one group per row (a month), with the row's name on the left and each bar's value
written at its end, so that the chart reads on a 390 px phone without rotated or tiny labels, and in print
(colours chosen to stay apart in grey, values written out). The SVG scales with its box (``viewBox``, no
fixed size); it is announced as one image (``role="img"``) named by its ``<title>`` and described by its
``<desc>``, and the page shows the same numbers in a table.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
LABEL_WIDTH = 68  # the row names on the left
VALUE_ROOM = 34  # to the right of the longest bar, for its value
BAR_HEIGHT = 11
BAR_GAP = 2
ROW_GAP = 9
LEGEND_LINE = 18
AXIS_HEIGHT = 20
FONT_SIZE = 13
SMALL_FONT_SIZE = 12
INK = "#1b1f1d"
GRID = "#d5dbd8"
# Dark blue and mid green: apart in colour and in grey, each at least 3:1 against white.
COLOURS = ("#1d4f91", "#3a8a5c", "#8a5a00")


@dataclass
class Series:
    """One set of bars: its name (for the legend) and one value per row; None is drawn as "–"."""

    name: str
    values: Sequence[float | None]


def nice_maximum(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above ``value`` (at least 1): the axis's end."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover (the loop always returns)


def _ticks(maximum: float) -> list[float]:
    """The values where the axis is marked: whole steps for small counts, four or five steps otherwise."""
    if maximum <= 5 and float(maximum).is_integer():
        parts = int(maximum)
    else:
        leading = round(maximum / 10 ** math.floor(math.log10(maximum)), 2)
        parts = {1: 5, 2: 4, 2.5: 5, 5: 5}.get(leading, 4)
    return [maximum * i / parts for i in range(parts + 1)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[str],
    series: Sequence[Series],
    value_label: Callable[[float], str] = _fmt,
    tick_label: Callable[[float], str] = _fmt,
) -> Markup:
    """An SVG horizontal bar chart: one row per name in ``rows``, one bar per series in each row.

    :param chart_id: unique on the page; prefixes the ids of the title and description.
    :param value_label: writes a bar's value (e.g. with the language's decimal comma).
    :return: the ``<svg>`` element, safe to put in a template as it is (every text is escaped).
    """
    legend = 8 + LEGEND_LINE * len(series) if len(series) > 1 else 0
    row_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP + ROW_GAP
    height = legend + len(rows) * row_height + AXIS_HEIGHT
    values = [v for s in series for v in s.values if v is not None]
    maximum = nice_maximum(max(values, default=0))
    x0, x1 = LABEL_WIDTH, WIDTH - VALUE_ROOM

    def x(value: float) -> float:
        return round(x0 + (x1 - x0) * value / maximum, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT_SIZE}" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if legend:
        # One line per series: a long name (as in Vietnamese) never runs off the chart.
        for index, one in enumerate(series):
            y = 4 + index * LEGEND_LINE
            parts.append(
                f'<rect x="{x0}" y="{y}" width="12" height="12" fill="{COLOURS[index % len(COLOURS)]}"/>'
                f'<text x="{x0 + 18}" y="{y + 11}">{escape(one.name)}</text>'
            )
    top = legend
    bottom = top + len(rows) * row_height
    for tick in _ticks(maximum):
        parts.append(
            f'<line x1="{x(tick)}" y1="{top}" x2="{x(tick)}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x(tick)}" y="{bottom + 14}" font-size="{SMALL_FONT_SIZE}" text-anchor="middle">'
            f"{escape(tick_label(tick))}</text>"
        )
    for row_index, name in enumerate(rows):
        y_row = top + row_index * row_height + ROW_GAP / 2
        middle = y_row + (row_height - ROW_GAP) / 2
        parts.append(f'<text x="{x0 - 6}" y="{middle + 4:.1f}" text-anchor="end">{escape(name)}</text>')
        for index, one in enumerate(series):
            value = one.values[row_index]
            y_bar = y_row + index * (BAR_HEIGHT + BAR_GAP)
            if value:
                parts.append(
                    f'<rect x="{x0}" y="{y_bar:.1f}" width="{x(value) - x0:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{COLOURS[index % len(COLOURS)]}"/>'
                )
            label = "–" if value is None else value_label(value)
            parts.append(
                f'<text x="{x(value or 0) + 3:.1f}" y="{y_bar + BAR_HEIGHT - 2:.1f}" '
                f'font-size="{SMALL_FONT_SIZE}">{escape(label)}</text>'
            )
    parts.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
