"""A Dash callback called the way the browser calls it: one POST to /_dash-update-component."""

from __future__ import annotations

import json


def callback_body(
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, object]],
    states: list[tuple[str, str, object]] = (),
    changed: str | None = None,
) -> dict:
    """The JSON body Dash's renderer posts: (id, property) outputs, (id, property, value)
    inputs and states; ``changed`` is the input that fired (default: the first)."""

    def prop(triple):
        return {"id": triple[0], "property": triple[1], "value": triple[2]}

    if len(outputs) == 1:
        output = f"{outputs[0][0]}.{outputs[0][1]}"
        outs = {"id": outputs[0][0], "property": outputs[0][1]}
    else:
        output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        outs = [{"id": i, "property": p} for i, p in outputs]
    first = inputs[0]
    return {
        "output": output,
        "outputs": outs,
        "inputs": [prop(i) for i in inputs],
        "state": [prop(s) for s in states],
        "changedPropIds": [changed or f"{first[0]}.{first[1]}"],
    }


def call(client, body: dict):
    """POST the body with a Flask test client (its CSRF cookie echoed as the renderer does);
    the response."""
    token = client.get_cookie("_csrf_token")
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token.value} if token else {},
    )


def download_body(kind: str, view: str = "", search: str | None = None) -> dict:
    """The 数据 page's download callback, as a click on its ``kind`` button sends it."""
    clicks = {k: (1 if k == kind else None) for k in ("csv", "xlsx", "geojson")}
    return callback_body(
        [("d-download", "data"), ("d-note", "children")],
        [(f"d-{k}", "n_clicks", n) for k, n in clicks.items()],
        [
            ("d-view", "data", view),
            ("d-search", "value", search),
            ("d-grid", "getRowsRequest", {"startRow": 0, "endRow": 100}),
        ],
        changed=f"d-{kind}.n_clicks",
    )
