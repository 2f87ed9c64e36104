"""Made-up enterprises: a name from place names and stock words, a credit code with valid
check characters, a site inside its county, an address and the coordinate system it writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etl.demo.draws import chance, pick
from etl.demo.places import County, prefectures_and_counties, sample_point
from etl.register import CREDIT_CODE_CHARSET, credit_check_char

BRANDS = (
    "鑫源", "宏泰", "华鑫", "金鼎", "恒达", "隆盛", "昌盛", "瑞丰", "泰和", "永兴", "德胜",
    "天宏", "福源", "广达", "润泽", "宏远", "鼎盛", "振兴", "顺达", "聚源", "汇丰", "万通",
    "三联", "同创", "金马", "银河", "宏图", "嘉禾", "盛达", "新宇", "金源", "恒通", "泰丰",
    "兴隆", "宝丰", "锦程", "中联", "裕丰", "正达", "和盛", "旭日", "龙腾", "海鑫", "凯达",
)  # fmt: skip
NAME_WORDS = {
    "钢铁联合": ("钢铁", "钢铁集团", "钢业"),
    "电炉钢": ("特钢", "钢业", "钢铁"),
    "炼铁": ("钢铁", "冶金", "铁业"),
    "铁合金": ("铁合金", "硅业", "冶金", "锰业"),
    "水泥": ("水泥", "建材", "水泥建材"),
    "粉磨站": ("水泥", "建材"),
    "平板玻璃": ("玻璃", "浮法玻璃"),
    "石灰": ("石灰", "钙业", "建材"),
    "焦化": ("焦化", "煤化工", "煤焦化"),
    "电石": ("电石", "化工", "电化"),
    "黄磷": ("磷化", "磷业", "化工"),
    "烧碱": ("氯碱", "化工", "盐化"),
    "电解铝": ("铝业", "铝材"),
    "铜冶炼": ("铜业", "冶炼"),
    "铅冶炼": ("铅业", "冶炼", "有色金属"),
    "锌冶炼": ("锌业", "冶炼", "有色金属"),
    "锡冶炼": ("锡业", "冶炼", "有色金属"),
}
COMPANY_SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司")
PARK_WORDS = (
    "工业园区",
    "工业园区东片区",
    "工业园区西片区",
    "产业园区",
    "经济开发区",
    "工业集中区",
)


# The organisation-code weights (GB 11714) for characters 9–17 of a credit code; the credit
# code's own check character comes from the register's rules (GB 32100-2015).
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check_char(first8: str) -> str:
    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    r = 11 - sum(value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True)) % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


@dataclass
class Enterprise:
    name: str
    credit_code: str
    county: County
    site: tuple[float, float]  # WGS-84
    crs: str | None  # as written in the 坐标系 column
    address_only: bool
    address: str


def _credit_code(rng: np.random.Generator, county: int, used: set[str]) -> str:
    while True:
        if chance(rng, 0.6):
            body = "MA" + "".join(pick(rng, CREDIT_CODE_CHARSET) for _ in range(6))
        else:
            body = "".join(str(int(d)) for d in rng.integers(0, 10, 8))
        first17 = f"91{county}{body}{_org_check_char(body)}"
        code = first17 + credit_check_char(first17)
        if code not in used:
            used.add(code)
            return code


def draw_enterprise(
    rng: np.random.Generator,
    profile: str,
    county: County,
    names: set[str],
    codes: set[str],
) -> Enterprise:
    pref_full, pref_short = prefectures_and_counties()[0][county.prefecture]
    while True:
        place = county.short if chance(rng, 0.6) else pref_short
        prefix = "云南" if chance(rng, 0.7) else ""
        name = (
            prefix
            + place
            + pick(rng, BRANDS)
            + pick(rng, NAME_WORDS[profile])
            + pick(rng, COMPANY_SUFFIXES, (0.6, 0.25, 0.15))
        )
        if name not in names:
            names.add(name)
            break
    code = _credit_code(rng, county.adcode, codes)
    site = sample_point(rng, county.adcode)
    r = rng.random()
    address_only = r < 0.05
    if address_only:
        crs = None
    elif r < 0.15:
        crs = "GCJ02"
    else:
        crs = pick(rng, (None, "WGS84", "CGCS2000"), (0.5, 0.35, 0.15))
    park = pick(rng, PARK_WORDS)
    address = f"云南省{pref_full}{county.name}{county.short}{park}"
    return Enterprise(name, code, county, site, crs, address_only, address)
