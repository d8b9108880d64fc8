"""Server-side SVG (no chart library, no internet): a bar chart (the seat map: models.seating.seatmap).
Every text is XML-escaped."""

from __future__ import annotations

from xml.sax.saxutils import escape


def _attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def bar_chart(
    points: list[tuple[str, int]], *, width: int = 640, height: int = 180, colour: str = "#1565c0", label: str = ""
) -> str:
    """Vertical bars with a value on each non-empty bar and every few x labels."""
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 40" class="chart">'
            f'<text x="8" y="24" font-size="13" fill="#607d8b" '
            f'font-family="DejaVu Sans, sans-serif">{escape(label)}</text></svg>'
        )
    top = max(v for _, v in points) or 1
    pad_l, pad_b, pad_t = 8, 22, 16
    bw = (width - pad_l * 2) / len(points)
    plot_h = height - pad_b - pad_t
    every = max(1, len(points) // 10)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" '
        f'role="img" aria-label="{_attr(label)}">',
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - pad_l}" y2="{height - pad_b}" stroke="#90a4ae"/>',
    ]
    for i, (name, value) in enumerate(points):
        h = plot_h * value / top
        x = pad_l + i * bw
        y = height - pad_b - h
        out.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" height="{h:.1f}" '
            f'fill="{_attr(colour)}" data-value="{value}"><title>{escape(name)}: {value}'
            f"</title></rect>"
        )
        if value:
            out.append(
                f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="10" font-family="DejaVu Sans, sans-serif">{value}</text>'
            )
        if i % every == 0:
            out.append(
                f'<text x="{x + bw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-size="10" fill="#455a64" font-family="DejaVu Sans, sans-serif">'
                f"{escape(name)}</text>"
            )
    out.append("</svg>")
    return "".join(out)
