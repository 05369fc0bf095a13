"""The delivery-rate charts as SVG, drawn on the server: no script, nothing fetched.

One bar per clock hour (its delivery rate), the rule's lines over it, a red band on each hour
the rule fires on, and a red dotted line where an alert was raised (`check` judges the hour
before it runs, which need not be a clock hour). Every bar has a <title>, so hovering shows the
hour's figures. Delivery by country: one bar per country, worst first, delivered in blue and
undelivered in red, its figures written beside it, its name a link to its messages.
"""

from datetime import datetime
from fractions import Fraction

from markupsafe import Markup, escape

from alerts.rules import INBOUND_UNDELIVERED, OUTBOUND_DROP
from alerts.text import percent
from sms_log.by_country import Place
from sms_log.pictures import Hour

WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 34, 44
COLOURS = {"bar": "#3b6fd8", "idle": "#b9c7e6", "usual": "#4b5563", "line": "#d97706",
           "fired": "#fde0e0", "mark": "#b91c1c", "grid": "#e3e6ec", "ink": "#1d2330",
           "undelivered": "#e8787a", "muted": "#6b7280"}


def _y(value: Fraction | float) -> float:
    return TOP + (1 - float(value)) * (HEIGHT - TOP - BOTTOM)


def _text(x, y, words, anchor="middle", size=12, colour=COLOURS["ink"], extra="") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{colour}" {extra}>{escape(words)}</text>')


def _axes(hours: list[Hour], slot: float, y_label: str) -> list[str]:
    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = _y(Fraction(tick, 100))
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{COLOURS["grid"]}"/>')
        parts.append(_text(LEFT - 6, y + 4, f"{tick}%", anchor="end", size=11))
    every = max(1, round(len(hours) / 12))  # about 12 labels, whatever the span
    for index, hour in enumerate(hours):
        if index % every == 0:
            x = LEFT + (index + 0.5) * slot
            label = f"{hour.start:%H:%M}" if index and hour.start.hour else f"{hour.start:%d %b}"
            parts.append(_text(x, HEIGHT - BOTTOM + 16, label, size=11,
                               extra='class="x-label"'))
    parts.append(_text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 6,
                       "hour the messages were sent in (UTC)", size=11))
    parts.append(_text(14, (TOP + HEIGHT - BOTTOM) / 2, y_label, size=11,
                       extra=f'transform="rotate(-90 14 {(TOP + HEIGHT - BOTTOM) / 2:.1f})"'))
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                 f'stroke="{COLOURS["ink"]}"/>')
    return parts


def _legend(entries: list[tuple[str, str, str]]) -> list[str]:
    """(kind, colour, label): kind is bar, line, dash or band."""
    parts, x = [], LEFT
    for kind, colour, label in entries:
        if kind in ("bar", "band"):
            parts.append(f'<rect x="{x}" y="8" width="14" height="12" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            parts.append(f'<line x1="{x}" x2="{x + 16}" y1="14" y2="14" stroke="{colour}" '
                         f'stroke-width="2"{dash}/>')
        parts.append(_text(x + 20, 18, label, anchor="start", size=12))
        x += 28 + 7 * len(label)
    return parts


def _step_line(points: list[tuple[int, Fraction | None]], slot: float, colour: str,
               name: str, dashed: bool) -> list[str]:
    """A horizontal segment across each hour that has a value (none where it has not)."""
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    return [f'<line class="{name}" x1="{LEFT + i * slot:.1f}" x2="{LEFT + (i + 1) * slot:.1f}" '
            f'y1="{_y(v):.1f}" y2="{_y(v):.1f}" stroke="{colour}" stroke-width="2"{dash}/>'
            for i, v in points if v is not None]


def _bars(rates: list[tuple[Fraction | None, bool, bool, str]], slot: float) -> tuple[list, list]:
    """(rate, judged, fired, tooltip) per hour: the bands behind fired hours, and the bars."""
    bands, parts = [], []
    for i, (rate, judged, fired, tip) in enumerate(rates):
        x = LEFT + i * slot
        if fired:
            bands.append(f'<rect class="fired" x="{x:.1f}" y="{TOP}" width="{slot:.1f}" '
                         f'height="{HEIGHT - TOP - BOTTOM}" fill="{COLOURS["fired"]}"/>')
            bands.append(_text(x + slot / 2, TOP - 3, "▲ alert", size=10,
                               colour=COLOURS["mark"], extra='class="fired-mark"'))
        if rate is None:
            continue
        y = _y(rate)
        colour = COLOURS["bar"] if judged else COLOURS["idle"]
        parts.append(f'<rect class="rate-bar" x="{x + slot * 0.15:.1f}" y="{y:.1f}" '
                     f'width="{slot * 0.7:.1f}" height="{HEIGHT - BOTTOM - y:.1f}" '
                     f'fill="{colour}"><title>{escape(tip)}</title></rect>')
    return bands, parts


def _raised(hours: list[Hour], slot: float, raised: list[datetime]) -> list[str]:
    """A line where each alert was raised (its email sent), on the time axis."""
    parts = []
    for moment in raised:
        position = (moment - hours[0].start).total_seconds() / 3600 if hours else -1
        if not 0 <= position <= len(hours):
            continue
        x = LEFT + position * slot
        parts.append(f'<line class="raised" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" '
                     f'y2="{HEIGHT - BOTTOM}" stroke="{COLOURS["mark"]}" stroke-width="2" '
                     f'stroke-dasharray="2 2"/>')
        parts.append(_text(x - 4, TOP + 30, f"alert sent {moment:%H:%M}", anchor="end",
                           size=11, colour=COLOURS["mark"]))
    return parts


def _svg(label: str, parts: list[str], height: int = HEIGHT, kind: str = "chart") -> Markup:
    body = "".join(parts)
    return Markup(f'<svg class="{kind}" role="img" aria-label="{escape(label)}" '
                  f'viewBox="0 0 {WIDTH} {height}" width="100%" '
                  f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
                  f'<title>{escape(label)}</title>{body}</svg>')


def _chart(title: str, hours: list[Hour], bars: list[tuple], judged: str, lines: list[tuple],
           y_label: str, raised: list[datetime]) -> Markup:
    """bars: (rate, judged, fired, tooltip) per hour; lines: (points, colour, class, dashed,
    legend) drawn over the bars."""
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(hours))
    parts = _legend([("bar", COLOURS["bar"], f"delivery rate (judged: {judged})"),
                     ("bar", COLOURS["idle"], "too few to judge"),
                     *[("dash" if dashed else "line", colour, legend)
                       for _points, colour, _name, dashed, legend in lines],
                     ("band", COLOURS["fired"], "rule fires")])
    bands, drawn = _bars(bars, slot)
    parts += bands + _axes(hours, slot, y_label) + drawn
    for points, colour, name, dashed, _legend_text in lines:
        parts += _step_line(points, slot, colour, name, dashed)
    parts += _raised(hours, slot, raised)
    return _svg(title, parts)


def outbound_chart(hours: list[Hour], raised: list[datetime]) -> Markup:
    bars, usual, line = [], [], []
    for i, hour in enumerate(hours):
        f = hour.outbound
        tip = (f"{hour.start:%Y-%m-%d %H:%M} UTC: {f.hour.total} sent, {f.hour.delivered} "
               f"delivered, {f.hour.undelivered} undelivered"
               + (f"; rate {percent(f.hour.rate)}" if f.hour.rate is not None else "")
               + (f"; 7-day average {percent(f.baseline)}" if f.baseline is not None else "")
               + ("" if f.not_judged is None else f" (not judged: {f.not_judged})"))
        bars.append((f.hour.rate, f.not_judged is None, f.fired, tip))
        usual.append((i, f.baseline))
        line.append((i, None if f.baseline is None else f.baseline * (1 - OUTBOUND_DROP)))
    return _chart("Outbound delivery rate per hour", hours, bars, "250+ messages", [
        (usual, COLOURS["usual"], "usual", False, "same hour, 7-day average"),
        (line, COLOURS["line"], "drop-line", True, f"{percent(OUTBOUND_DROP)} drop: alert below"),
    ], "delivered / final outcomes", raised)


def inbound_chart(hours: list[Hour], raised: list[datetime]) -> Markup:
    threshold = 1 - INBOUND_UNDELIVERED
    bars = []
    for hour in hours:
        f = hour.inbound
        tip = (f"{hour.start:%Y-%m-%d %H:%M} UTC: {f.hour.total} received, "
               f"{f.hour.undelivered} not accepted"
               + (f"; rate {percent(f.rate)}" if f.rate is not None else ""))
        bars.append((f.rate, f.not_judged is None, f.fired, tip))
    line = [(i, threshold) for i in range(len(hours))]
    return _chart("Inbound delivery rate per hour", hours, bars, "10+ messages", [
        (line, COLOURS["line"], "drop-line", True, f"{percent(threshold)}: alert below"),
    ], "accepted / received", raised)


# Delivery by country: the names left of the bars, the figures right of them.
ROW, BAR_LEFT, BAR_WIDTH = 26, 190, 420
COUNTRY_TOP = 30


def _country_row(i: int, place: Place, href) -> list[str]:
    y, c = COUNTRY_TOP + i * ROW, place.counts
    tip = (f"{place.name}: {c.total} messages, {c.delivered} delivered, {c.undelivered} "
           f"undelivered, {place.pending} pending; rate {percent(c.rate)}")
    label = _text(BAR_LEFT - 10, y + 16, f"{place.country} {place.name}", anchor="end", size=12,
                  colour="#2454c5", extra='class="country-label" text-decoration="underline"')
    parts = [f'<a href="{escape(href(place.country))}">{label}</a>']
    delivered = BAR_WIDTH * float(c.rate)
    parts.append(f'<rect class="country-bar" data-country="{escape(place.country)}" '
                 f'x="{BAR_LEFT}" y="{y + 4}" width="{delivered:.1f}" height="{ROW - 8}" '
                 f'fill="{COLOURS["bar"]}"><title>{escape(tip)}</title></rect>')
    if delivered < BAR_WIDTH:
        parts.append(f'<rect class="country-undelivered" x="{BAR_LEFT + delivered:.1f}" '
                     f'y="{y + 4}" width="{BAR_WIDTH - delivered:.1f}" height="{ROW - 8}" '
                     f'fill="{COLOURS["undelivered"]}"><title>{escape(tip)}</title></rect>')
    figures = (f"{c.total} sent · {c.delivered} delivered · {c.undelivered} failed"
               + (f" · {place.pending} pending" if place.pending else ""))
    parts.append(_text(BAR_LEFT + BAR_WIDTH + 10, y + 16, percent(c.rate), anchor="start",
                       size=13, extra='class="country-rate" font-weight="600"'))
    parts.append(_text(BAR_LEFT + BAR_WIDTH + 78, y + 16, figures, anchor="start", size=12,
                       colour=COLOURS["muted"], extra='class="country-figures"'))
    return parts


def country_chart(places: list[Place], href) -> Markup:
    """One row per country with a final outcome, worst first; `href(country)` links its name."""
    shown = [p for p in places if p.country and p.counts.rate is not None]
    height = COUNTRY_TOP + ROW * max(1, len(shown)) + 8
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = BAR_LEFT + BAR_WIDTH * tick / 100
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{COUNTRY_TOP - 4}" '
                     f'y2="{height - 8}" stroke="{COLOURS["grid"]}"/>')
        parts.append(_text(x, COUNTRY_TOP - 10, f"{tick}%", size=11))
    parts.append(_text(BAR_LEFT - 22, COUNTRY_TOP - 10, "delivered / final outcomes",
                       anchor="end", size=11, colour=COLOURS["muted"]))
    for i, place in enumerate(shown):
        parts += _country_row(i, place, href)
    if not shown:
        parts.append(_text(BAR_LEFT, COUNTRY_TOP + 16, "no outbound message with a final "
                           "outcome in this window", anchor="start", colour=COLOURS["muted"]))
    return _svg("Outbound delivery by country", parts, height, kind="chart countries")
