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
_FORMAT = _param("format", "json | csv", {"type": "string", "enum": ["json", "csv"]})
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


_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "报送编号 / submission id",
    "schema": {"type": "integer"},
}
_STATE = {
    "type": "string",
    "enum": ["draft", "submitted", "returned", "accepted", "reopened"],
}
_SUBMISSION = {
    "type": "object",
    "required": ["id", "prefecture", "file_name", "sha256", "as_of", "state"],
    "properties": {
        "id": {"type": "integer"},
        "prefecture": {"type": "object"},
        "file_name": {"type": "string"},
        "sha256": {"type": "string"},
        "as_of": _DATE,
        "state": _STATE,
        "summary": {"type": ["object", "null"]},
        "job": {"type": ["object", "null"]},
        "history": {"type": "array", "items": {"type": "object"}},
        "report": {
            "type": ["object", "null"],
            "description": (
                "Frictionless 报告形状 / Frictionless report shape: tasks[].errors[] with"
                " rowNumber, fieldName, fieldNumber, cell, type, message, sheet, cellRef, severity"
            ),
        },
    },
}
_REFUSALS = {
    **_ERRORS,
    "404": {"description": "没有该报送（或不在范围内）/ no such submission in your scope"},
    "409": {"description": "当前状态不能进行此操作 / not possible in this state"},
}


def _json_ok(schema: dict, status: str = "200") -> dict:
    return {status: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def _action(summary: str, comment: str, status: str = "200") -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [_ID],
            "security": [{"bearer": []}],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"comment": {"type": "string", "description": comment}},
                        }
                    }
                },
            },
            "responses": {**_json_ok(_SUBMISSION, status), **_REFUSALS},
        }
    }


SUBMISSION_PATHS: dict = {
    "/api/v1/submissions": {
        "post": {
            "summary": "报送登记表（后台检查）/ upload a register (checked in the background)",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file", "as_of"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "as_of": _DATE,
                                "prefecture": {
                                    "type": "integer",
                                    "description": "省级用户必填 / the office names it",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                **_json_ok({"type": "object", "required": ["id"]}, "202"),
                **_REFUSALS,
                "413": {"description": "文件超过上限 / file past the size limit"},
            },
        },
        "get": {
            "summary": "报送列表 / submissions in your scope",
            "parameters": [_param("state", "状态 / state", _STATE)],
            "security": [{"bearer": []}],
            "responses": {**_json_ok({"type": "object"}), **_ERRORS},
        },
    },
    "/api/v1/submissions/{id}": {
        "get": {
            "summary": "报送的状态、概要与问题清单 / state, summary and report",
            "parameters": [_ID],
            "security": [{"bearer": []}],
            "responses": {**_json_ok(_SUBMISSION), **_REFUSALS},
        }
    },
    "/api/v1/submissions/{id}/report.csv": {
        "get": {
            "summary": "问题清单 CSV / the report as CSV",
            "parameters": [_ID],
            "security": [{"bearer": []}],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
                **_REFUSALS,
            },
        }
    },
    "/api/v1/submissions/{id}/annotated": {
        "get": {
            "summary": "标注了问题的原文件 / the user's workbook with the problems marked",
            "parameters": [_ID],
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "xlsx"}, **_REFUSALS},
        }
    },
    "/api/v1/submissions/{id}/submit": _action("报送 / submit", "（可选）/ optional"),
    # The worker loads it: 202 and the job (``job``); GET …/{id} until the job is done.
    "/api/v1/submissions/{id}/accept": _action(
        "采用并载入（后台载入）/ accept and load (in the background: 202 and the job)",
        "（可选）/ optional",
        "202",
    ),
    "/api/v1/submissions/{id}/return": _action("退回 / return", "退回意见（必填）/ required"),
    "/api/v1/submissions/{id}/reopen": _action("重新打开 / reopen", "理由（必填）/ required"),
}


SPEC: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "产能退出一张图 API",
        "version": "1",
        "description": (
            "Reads, and registers submitted and reviewed (/submissions). The bearer token"
            " (exitmap users token USER) stands for its user; every answer holds only what that"
            " user's role and scope may see, and every state change is refused unless the"
            " user's role may make it from the submission's state."
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
                _FORMAT,
            ],
            csv=True,
        ),
        "/api/v1/freezes": _op("区域限批 / approval freezes", "freezes", [_ON]),
        "/api/v1/quota": _op("能耗指标台账 / energy-quota ledger", "quota", [_ON]),
        "/api/v1/targets": _op("年度目标任务 / annual targets", "targets", [_ON, _FORMAT], True),
        "/api/v1/replacement": _op(
            "产能置换项目 / capacity replacement", "replacement", [_ON, _FORMAT], True
        ),
        "/api/v1/inspections": _op(
            "督导检查发现的问题 / inspection findings", "inspections", [_ON, _FORMAT], True
        ),
        "/api/v1/resettlement": _op(
            "职工安置方案 / worker resettlement", "resettlement", [_ON, _FORMAT], True
        ),
        "/api/v1/land": _op(
            "退出场地土地处置 / land of exited sites", "land", [_ON, _FORMAT], True
        ),
        **SUBMISSION_PATHS,
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
