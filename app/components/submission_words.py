"""What 报送 and 审核 say of a submission, in Chinese and English: its state, a prefecture's
standing in the period, a job's step, a problem's level, the check's summary. The Chinese
words are the core's own (submissions/); English is the page's."""

from __future__ import annotations

from app.i18n import PREFECTURE_EN
from exitmap.vocabulary import PREFECTURES
from submissions import store
from submissions.periods import STATUS_LABELS
from submissions.report import SEVERITY_LABELS
from submissions.states import LABELS as STATE_LABELS

STATE_EN = {
    "draft": "Draft (checked)",
    "submitted": "Submitted",
    "returned": "Returned",
    "accepted": "Accepted",
    "reopened": "Reopened",
}
STATUS_EN = {
    "late": "Overdue",
    "returned": "Returned",
    "arrived": "Submitted, to review",
    "accepted": "Accepted",
    "draft": "Uploaded, not submitted",
    "due": "Not yet due",
}
SEVERITY_EN = {"error": "Error (row rejected)", "warning": "Warning"}
# The steps the worker writes into a job's row (submissions/work.py, review.py, jobs.py).
STEP_EN = {
    "开始检查": "Starting the check",
    "读取文件": "Reading the file",
    "检查并定位各行": "Checking and locating the rows",
    "生成问题清单": "Listing the problems",
    "标注原文件": "Marking the workbook",
    "保存结果": "Saving the result",
    "开始载入": "Starting the load",
    "再次检查各行": "Checking the rows again",
    "写入登记库": "Writing the register",
    "完成": "Done",
}


def state_label(state: str, lang: str) -> str:
    return STATE_EN.get(state, state) if lang == "en" else STATE_LABELS.get(state, state)


def status_label(status: str, lang: str) -> str:
    return STATUS_EN.get(status, status) if lang == "en" else STATUS_LABELS.get(status, status)


def severity_label(severity: str, lang: str) -> str:
    return SEVERITY_EN[severity] if lang == "en" else SEVERITY_LABELS[severity]


def step_label(step: str, lang: str) -> str:
    return STEP_EN.get(step, step) if lang == "en" else step


def prefecture_name(adcode: int, lang: str) -> str:
    name = PREFECTURES.get(adcode, "")
    return PREFECTURE_EN.get(adcode, name) if lang == "en" else name


def summary_text(summary: dict | None, lang: str) -> str:
    """The check's counts in a line (None: not checked yet)."""
    if lang != "en":
        return store.summary_text(summary)
    if summary is None:
        return "Checking"
    carried = "".join(
        f"; {summary[key]} {label}"
        for key, label in (("plans", "resettlement plans"), ("sites", "exited sites"))
        if summary.get(key)
    )
    counts = "{rows} rows: {ok} ok, {warning} with warnings, {rejected} rejected".format(**summary)
    return counts + carried
