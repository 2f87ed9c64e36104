"""The product's vocabulary, once: sectors and sub-industries, exit categories, statuses, exit
methods, coordinate systems, the province and its prefectures, and their English labels
(domain.md §1, §2, §3, §6).

Everything else reads these: the register's columns and spellings (etl/register.py), the
policy rules (exitmap/policy), the dashboard's filters, the demo and the benchmarks. Adding a
sub-industry is one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

SUB_INDUSTRIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "钢铁": ("炼钢", "炼铁", "铁合金"),
        "建材": ("水泥熟料", "平板玻璃", "粉磨站", "石灰窑"),
        "石化化工": ("焦炭", "电石", "黄磷", "烧碱"),
        "有色金属": ("电解铝", "铜冶炼", "铅冶炼", "锌冶炼", "锡冶炼"),
    }
)
SECTORS: tuple[str, ...] = tuple(SUB_INDUSTRIES)
SECTOR_OF: Mapping[str, str] = MappingProxyType(
    {sub: sector for sector, subs in SUB_INDUSTRIES.items() for sub in subs}
)
ALL_SUB_INDUSTRIES: tuple[str, ...] = tuple(SECTOR_OF)
# domain §2: 烧碱 has a 淘汰 list only.
NO_RESTRICTED_LIST: tuple[str, ...] = ("烧碱",)

CATEGORIES: tuple[str, ...] = (
    "淘汰类",
    "限制类",
    "能耗不达标",
    "环保不达标",
    "质量不达标",
    "安全不达标",
)
STATUSES: tuple[str, ...] = (
    "在产",
    "整改中",
    "延期整改",
    "停产",
    "已关停",
    "已拆除",
    "已改造达标",
    "已转产",
)
EXIT_METHODS: tuple[str, ...] = ("拆除", "关停", "改造提升", "转产", "产能置换")

# 职工安置 (seed 四(三)): how an exiting firm's workers are resettled (column → label), and the
# states of its plan.
RESETTLEMENT_CHANNELS: Mapping[str, str] = MappingProxyType(
    {
        "transferred": "内部转岗",
        "reemployed": "转岗再就业",
        "retired": "内部退养和退休",
        "insured": "社会保险接续",
        "other": "其他",
    }
)
RESETTLEMENT_STATUSES: tuple[str, ...] = ("编制中", "已批复", "实施中", "已完成")

# 盘活土地资源 (seed 三(三)): the land right of an exited site, and what became of the land.
LAND_RIGHTS: tuple[str, ...] = ("划拨", "出让")
LAND_OUTCOMES: tuple[str, ...] = ("收回", "转让", "转产", "闲置")
CRS_NAMES: tuple[str, ...] = ("WGS84", "CGCS2000", "GCJ02", "BD09")
DEFAULT_CRS = "WGS84"

PROVINCE_ADCODE = 530000
PROVINCE_NAME = "云南省"
PREFECTURES: Mapping[int, str] = MappingProxyType(
    {
        530100: "昆明市",
        530300: "曲靖市",
        530400: "玉溪市",
        530500: "保山市",
        530600: "昭通市",
        530700: "丽江市",
        530800: "普洱市",
        530900: "临沧市",
        532300: "楚雄彝族自治州",
        532500: "红河哈尼族彝族自治州",
        532600: "文山壮族苗族自治州",
        532800: "西双版纳傣族自治州",
        532900: "大理白族自治州",
        533100: "德宏傣族景颇族自治州",
        533300: "怒江傈僳族自治州",
        533400: "迪庆藏族自治州",
    }
)

PREFECTURE_EN: Mapping[int, str] = MappingProxyType(
    {
        530100: "Kunming",
        530300: "Qujing",
        530400: "Yuxi",
        530500: "Baoshan",
        530600: "Zhaotong",
        530700: "Lijiang",
        530800: "Pu'er",
        530900: "Lincang",
        532300: "Chuxiong",
        532500: "Honghe",
        532600: "Wenshan",
        532800: "Xishuangbanna",
        532900: "Dali",
        533100: "Dehong",
        533300: "Nujiang",
        533400: "Diqing",
    }
)

# English labels of every value above (the dashboard's English view, the API's labels).
ENGLISH: Mapping[str, str] = MappingProxyType(
    {
        "钢铁": "Iron & steel",
        "建材": "Building materials",
        "石化化工": "Petrochemicals",
        "有色金属": "Non-ferrous metals",
        "炼钢": "Steelmaking",
        "炼铁": "Ironmaking",
        "铁合金": "Ferroalloy",
        "水泥熟料": "Cement clinker",
        "平板玻璃": "Flat glass",
        "粉磨站": "Grinding station",
        "石灰窑": "Lime kiln",
        "焦炭": "Coke",
        "电石": "Calcium carbide",
        "黄磷": "Yellow phosphorus",
        "烧碱": "Caustic soda",
        "电解铝": "Electrolytic aluminium",
        "铜冶炼": "Copper smelting",
        "铅冶炼": "Lead smelting",
        "锌冶炼": "Zinc smelting",
        "锡冶炼": "Tin smelting",
        "淘汰类": "Eliminate (淘汰类)",
        "限制类": "Restrict (限制类)",
        "能耗不达标": "Energy non-compliant",
        "环保不达标": "Environment non-compliant",
        "质量不达标": "Quality non-compliant",
        "安全不达标": "Safety non-compliant",
        "在产": "Operating",
        "整改中": "Rectifying",
        "延期整改": "Rectifying (extended)",
        "停产": "Suspended",
        "已关停": "Closed",
        "已拆除": "Demolished",
        "已改造达标": "Upgraded to standard",
        "已转产": "Converted",
        "拆除": "Demolition",
        "关停": "Closure",
        "改造提升": "Upgrade",
        "转产": "Conversion",
        "产能置换": "Capacity replacement",
        "内部转岗": "Internal transfer",
        "转岗再就业": "Re-employment",
        "内部退养和退休": "Early retirement and retirement",
        "社会保险接续": "Social insurance carried over",
        "其他": "Other",
        "划拨": "Allocated",
        "出让": "Granted",
        "收回": "Taken back",
        "转让": "Transferred",
        "闲置": "Idle",
        "编制中": "Being drafted",
        "已批复": "Approved",
        "实施中": "Under way",
        "已完成": "Done",
        PROVINCE_NAME: "Yunnan",
        **{PREFECTURES[code]: name for code, name in PREFECTURE_EN.items()},
    }
)


def english(value: object) -> str:
    """The English label of a vocabulary value or prefecture name (others unchanged)."""
    return ENGLISH.get(str(value), str(value))
