"""The report's diagram: API routes -> Lambda functions -> data stores, as one SVG (drawn with drawsvg, a
pure-Python SVG library: no system binary such as Graphviz's ``dot`` is needed where the report is made).

Three columns, one box per route, function and store, and an edge for each route's integration and each
store a function's role may use. Public routes are drawn in the warning colour.
"""

from __future__ import annotations

import drawsvg as draw

from .model import Report

_ROW, _BOX_H, _TOP = 30, 22, 40
_COLUMNS = (10, 380, 750)  # x of the route, function and store columns
_WIDTHS = (330, 330, 300)
_COLOURS = {"route": "#e6eefb", "public": "#fff1cc", "function": "#e3f4e8", "store": "#f0f2f5"}
_STROKE = "#5a6272"


def _short(text: str, width: int) -> str:
    limit = max(8, width // 7)
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def diagram_svg(report: Report) -> str:
    """The SVG text of the diagram (an empty string when the app has neither routes nor functions)."""
    routes = [r for r in report.routes if not r.preflight]
    functions = sorted({f.name for f in report.functions} | {r.function for r in routes if r.function})
    stores = sorted({s for f in report.functions for s in f.data_stores})
    if not routes and not functions:
        return ""
    rows = max(len(routes), len(functions), len(stores), 1)
    height = _TOP + rows * _ROW + 10
    width = _COLUMNS[2] + _WIDTHS[2] + 10
    d = draw.Drawing(width, height, font_family="system-ui, sans-serif", font_size=12)
    d.append(draw.Rectangle(0, 0, width, height, fill="#ffffff"))
    for x, title in zip(_COLUMNS, ("API routes", "Lambda functions", "Data stores"), strict=True):
        d.append(draw.Text(title, 13, x, 22, font_weight="bold", fill="#1d2330"))

    def y_of(index: int) -> float:
        return _TOP + index * _ROW

    def box(column: int, index: int, label: str, kind: str, title: str) -> None:
        x, w = _COLUMNS[column], _WIDTHS[column]
        group = draw.Group(**{"class": f"node {kind}"})
        group.append(draw.Title(title))
        group.append(draw.Rectangle(x, y_of(index), w, _BOX_H, rx=4, fill=_COLOURS[kind], stroke=_STROKE,
                                    stroke_width=0.8))
        group.append(draw.Text(_short(label, w), 12, x + 6, y_of(index) + 15, fill="#1d2330"))
        d.append(group)

    def edge(column: int, a: int, b: int) -> None:
        x1 = _COLUMNS[column] + _WIDTHS[column]
        x2 = _COLUMNS[column + 1]
        y1, y2 = y_of(a) + _BOX_H / 2, y_of(b) + _BOX_H / 2
        path = draw.Path(stroke=_STROKE, stroke_width=1, fill="none", marker_end=arrow)
        path.M(x1, y1).C((x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2 - 2, y2)
        d.append(path)

    arrow = draw.Marker(-0.1, -0.5, 0.9, 0.5, scale=6, orient="auto")
    arrow.append(draw.Lines(-0.1, -0.5, -0.1, 0.5, 0.9, 0, fill=_STROKE, close=True))
    function_row = {name: i for i, name in enumerate(functions)}
    store_row = {name: i for i, name in enumerate(stores)}
    for i, route in enumerate(routes):
        label = f"{route.method} {route.path} · {route.auth if not route.public else 'PUBLIC'}"
        box(0, i, label, "public" if route.public else "route", f"{route.api}: {label}")
        if route.function in function_row:
            edge(0, i, function_row[route.function])
    for name, i in function_row.items():
        box(1, i, name, "function", name)
    for fn in report.functions:
        for store in fn.data_stores:
            edge(1, function_row[fn.name], store_row[store])
    for name, i in store_row.items():
        box(2, i, f"{name} ({report.data_stores.get(name, 'store')})", "store", name)
    return str(d.as_svg())
