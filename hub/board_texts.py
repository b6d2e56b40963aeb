"""Every text the window boards and the hall display show, in one catalog (Simplified Chinese).

One catalog for both kinds of screen: the Qt board and display (boards/qt) import it, and the
hub hands it to the web board and display in the page (``window.HALL.texts``, hub/web.py).
"""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "window_label": "{n}号窗口",
    "status_idle": "空闲",
    "status_serving": "办理中",
    "status_paused": "暂停服务",
    "serving_label": "当前办理",
    "no_ticket": "——",
    "clerk_label": "工号",
    "no_clerk": "暂无工作人员",
    "items_label": "受理业务",
    "rating_prompt": "请对本次服务进行评价",
    "rating_hint": "请在评价器上按键：1非常满意 2满意 3基本满意 4不满意 5非常不满意",
    "rating_thanks": "感谢您的评价",
    "offline": "正在连接服务器…",
    "display_calls": "叫号信息",
    "display_number": "号码",
    "display_window": "窗口",
    "display_waiting": "等候人数",
    "display_no_calls": "暂无叫号",
    "call_line": "请 {number} 号到 {window} 号窗口办理",
    "waiting_count": "{count}人",
    "waiting_estimate": "约{minutes}分钟",
    "banner_call": "请 {number}号 到 {window}号窗口",
    "hall_phone": "咨询电话 {phone}",
    "supervision_phone": "监督电话 {phone}",
    "pause_reason": "（{reason}）",
}


def text(key: str, **values: object) -> str:
    """The catalog text ``key`` with ``{placeholders}`` filled; raises KeyError for an unknown key."""
    template = TEXTS[key]
    return template.format(**values) if values else template
