"""The OpenAPI 3.1 description of ``/api/v1`` (served at ``/api/v1/openapi.json``)."""

from __future__ import annotations

_DATE = {"type": "string", "format": "date"}


def _param(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


_ON = _param("on", "截至日期（默认今天）/ as-of date (default today)", _DATE)
_ERRORS = {
    "400": {"$ref": "#/components/responses/Error"},
    "401": {"description": "缺少或无效的令牌 / no or bad token"},
    "403": {"description": "超出用户范围 / outside the user's scope"},
}


def _rows(name: str) -> dict:
    return {
        "description": "OK",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["as_of", "scope", name],
                    "properties": {
                        "as_of": _DATE,
                        "scope": {"type": "string"},
                        name: {"type": "array", "items": {"type": "object"}},
                    },
                }
            }
        },
    }


def _op(summary: str, name: str, params: list, csv: bool = False) -> dict:
    ok = _rows(name)
    if csv:
        ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "security": [{"bearer": []}],
            "responses": {"200": ok, **{k: dict(v) for k, v in _ERRORS.items()}},
        }
    }


SPEC: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "产能退出一张图 API",
        "version": "1",
        "description": (
            "Read-only. The bearer token (exitmap users token USER) stands for its user; every"
            " answer holds only what that user's role and scope may see."
        ),
    },
    "paths": {
        "/api/v1/standing": _op(
            "各州（市）退出进展与全省合计 / standing by prefecture",
            "standing",
            [_ON, _param("known", "按该日掌握的情况 / as the product knew it on that day", _DATE)],
        ),
        "/api/v1/units": _op(
            "装备及其截至日期的状态 / units with their as-of state",
            "units",
            [
                _ON,
                _param("prefecture", "州（市）代码 / prefecture adcode", {"type": "integer"}),
                _param("format", "json | csv", {"type": "string", "enum": ["json", "csv"]}),
            ],
            csv=True,
        ),
        "/api/v1/freezes": _op("区域限批 / approval freezes", "freezes", [_ON]),
        "/api/v1/quota": _op("能耗指标台账 / energy-quota ledger", "quota", [_ON]),
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Error": {
                "description": "错误 / error",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                            },
                        }
                    }
                },
            }
        },
    },
}
