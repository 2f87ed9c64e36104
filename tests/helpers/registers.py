"""Small registers made by the tests: valid rows by default, one field changed at a time."""

from __future__ import annotations

import csv
from pathlib import Path

from etl.register import COLUMNS, credit_check_char

HEADERS = [c.header for c in COLUMNS]


def credit_code(serial: int, county: int = 530102) -> str:
    body = f"91{county}MA{serial:07d}"
    return body + credit_check_char(body)


# Headers that are not Python identifiers, by the keyword the tests use for them.
ALIASES = {
    "prefecture": "州（市）",
    "county": "县（市、区）",
    "capacity": "产能（万吨/年）",
    "energy": "年综合能耗（吨标准煤）",
}


def unit_row(serial: int = 1, equipment: str = "1#", **overrides) -> dict[str, str]:
    """A valid 在产 淘汰类 blast furnace in 五华区, 昆明市, keyed by serial + equipment."""
    row = {
        "序号": str(serial),
        "州（市）": "昆明市",
        "县（市、区）": "五华区",
        "企业名称": f"云南测试{serial}号钢铁有限公司",
        "统一社会信用代码": credit_code(serial),
        "行业": "钢铁",
        "细分行业": "炼铁",
        "装备名称": "高炉",
        "装备编号": equipment,
        "规格型号": "380m³",
        "产能（万吨/年）": "40",
        "年综合能耗（吨标准煤）": "50000",
        "年用电量（万千瓦时）": "3000",
        "退出类别": "淘汰类",
        "当前状态": "在产",
        "问题认定日期": "",
        "整改期限": "",
        "计划退出日期": "2021-12-31",
        "实际退出日期": "",
        "退出方式": "",
        "职工人数": "120",
        "详细地址": "云南省昆明市五华区",
        "经度": "102.7047",
        "纬度": "25.0430",
        "坐标系": "WGS84",
        "备注": "",
    }
    row.update({ALIASES.get(k, k): v for k, v in overrides.items()})
    return row


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    # Keys that are no register header become columns of their own, after the register's.
    extra = list(dict.fromkeys(k for r in rows for k in r if k not in HEADERS))
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADERS + extra, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path
