"""The one catalog of the kiosk's UI texts, keyed, in Simplified Chinese (ready for a second
language), and the sentence a citizen sees for every error.

A text is a ``str.format`` template: ``texts.get("ticket.ahead", count=3)``. A language other than
``zh`` only needs the keys it translates; the rest falls back to Chinese. Hub refusals map by their
stable ``code`` (see docs/hub.md) to a sentence of ours; for a few codes the hub's own message
carries the specifics (the number already held, the booked slot) and is shown as a second line.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

ZH: dict[str, str] = {
    # -- home and navigation -------------------------------------------------------------------
    "home.title": "{hall}",
    "home.welcome": "您好，请选择要办的事",
    "home.take_ticket": "取号",
    "home.take_ticket.hint": "选择业务，打印号票",
    "home.guides": "办事指南",
    "home.guides.hint": "要带什么材料、怎么办",
    "home.checkin": "预约签到",
    "home.checkin.hint": "已预约的请在这里签到",
    "home.requeue": "过号重排",
    "home.requeue.hint": "错过叫号的在这里重新排队",
    "home.progress": "进度查询",
    "home.progress.hint": "查排队进度、办件进度",
    "home.feedback": "意见建议",
    "home.feedback.hint": "意见建议、办不成事反映",
    "home.swipe_hint": "有预约或年满{age}周岁的，请先刷身份证",
    "home.card_hint": "有预约或年满{age}周岁的，请把身份证平放在读卡区",
    "home.card_hint_ticket": "刷身份证：有预约自动签到，{age}岁以上走绿色通道",
    "home.hours": "办公时间：{hours}",
    "home.phone": "咨询电话：{phone}",
    "home.take_ticket.away": "暂停自助取号",
    "home.take_ticket.away_hint": "排队系统暂时连不上，请到服务台取号",
    "home.away_hint": "排队系统暂时连不上，请到服务台办理",
    "home.staffed_desk": "需要帮助请找服务台工作人员",
    "nav.home": "首页",
    "nav.back": "返回",
    "nav.prev": "上一页",
    "nav.next": "下一页",
    "nav.page": "第{page}/{pages}页",
    "nav.mode": "标准版 / 长辈版",
    "elder.auto": "已为您切换到长辈版，字更大，并为您朗读屏幕内容。",
    "staff.call": "呼叫工作人员",
    "staff.called": "已呼叫工作人员",
    "staff.called_banner": "已通知工作人员，请在原地稍候，工作人员马上过来。",
    "staff.alert": "有群众在{device}请求工作人员帮助",
    "nav.more_time": "继续使用",
    "nav.countdown": "{seconds}秒后回到首页",
    "status.hub_away": "排队系统暂时连接不上，现在不能自助取号，请到服务台找工作人员取号。",
    "status.printer_away": "打印机暂停使用，号码会显示在屏幕上并语音播报。",
    "status.reader_away": "身份证阅读器暂时不能使用，不刷卡也可以办理。",
    "busy": "请稍候…",
    # -- 取号 ----------------------------------------------------------------------------------
    "ticket.title": "取号",
    "ticket.choose": "请选择要办理的业务",
    "ticket.popular": "常办",
    "ticket.by_department": "按部门查找",
    "ticket.choose_department": "请选择部门",
    "ticket.choose_item": "请选择{department}的事项",
    "ticket.green": "绿色通道",
    "ticket.green.hint": "老人、残疾人、军人、孕妇",
    "ticket.green_choose": "请选择绿色通道人群，选好后请工作人员确认",
    "ticket.green_confirm": "请工作人员确认：{group}走绿色通道",
    "ticket.green_confirm_how": "工作人员请输入签到密码，或刷本人身份证",
    "ticket.green_confirm_button": "确认",
    "ticket.green_pin": "工作人员签到密码",
    "ticket.green_pin_wrong": "密码不对，请工作人员重新输入",
    "ticket.green_card_wrong": "这张身份证不是本中心工作人员的，请工作人员刷本人身份证或输入密码",
    "ticket.green_checking": "正在核对工作人员身份，请稍候…",
    "ticket.green_selected": "已确认绿色通道（{group}），请选择业务",
    "ticket.green_confirmed_by": "工作人员{staff}已确认",
    "ticket.green_by_card": "已按身份证确认：您已年满{age}周岁，走绿色通道，请选择业务",
    "ticket.green_no_staff": "这台机器不能由工作人员确认绿色通道，请到服务台办理。",
    "ticket.search": "搜索事项",
    "ticket.search_hint": "输入拼音首字母或全拼，如 hjdj（户籍登记）",
    "ticket.choose_topic": "请选择{department}的业务",
    "ticket.waits": "等候 {count} 人 · 约 {minutes} 分钟",
    "ticket.waits_count": "等候 {count} 人",
    "ticket.waits_none": "现在无人等候",
    "ticket.fact_business": "办理业务",
    "ticket.fact_windows": "办理窗口",
    "ticket.fact_ahead": "前面等候",
    "ticket.fact_wait": "预计等候",
    "ticket.fact_time": "取号时间",
    "ticket.ahead_value": "{count}人",
    "ticket.wait_value": "约{minutes}分钟",
    "ticket.windows_value": "{windows}号窗口",
    "ticket.slip_phone": "咨询电话：{phone}",
    "ticket.slip_supervision": "监督电话：{phone}",
    "ticket.card_read": "已读取身份证：{name}",
    "ticket.elderly_green": "您已年满{age}周岁，将为您安排绿色通道",
    "ticket.issuing": "正在取号，请稍候…",
    "ticket.your_number": "您的号码",
    "ticket.ahead": "前面还有{count}人",
    "ticket.ahead_none": "前面没有人等候，请留意叫号",
    "ticket.wait": "预计等候约{minutes}分钟",
    "ticket.lane_green": "绿色通道（{group}）",
    "ticket.lane_appointment": "预约通道，已为您签到",
    "ticket.take_slip": "请取走号票，留意叫号",
    "ticket.requeue_hint": "过号请在{minutes}分钟内到取号机重新排队",
    "ticket.printing": "正在打印号票…",
    "ticket.print_failed": "号票没能打印，号码仍然有效。请记住号码，工作人员马上来帮您。",
    "ticket.speak": "您的号码是{number}，前面还有{count}人，请留意叫号",
    "ticket.speak_none": "您的号码是{number}，前面没有人等候，请留意叫号",
    "ticket.speak_print_failed": "号票没能打印。请记住您的号码：{number}。{number}",
    "ticket.reprint": "重新打印",
    "ticket.done": "好的",
    "ticket.remembered": "我记住了",
    "ticket.see_my_number": "查看我的号",
    "ticket.other_business": "办理其他业务",
    "ticket.slip_item": "事项：{item}",
    "ticket.slip_time": "取号时间：{time}",
    "sms.offer": "短信提醒",
    "sms.title": "短信提醒",
    "sms.prompt": "请输入您的手机号码，快到号和叫号时发短信提醒您",
    "sms.for_number": "号码：{number}",
    "sms.submit": "确定",
    "sms.cancel": "不用了",
    "sms.bad_phone": "手机号码不对，请输入以1开头的11位手机号码",
    "sms.sending": "正在登记短信提醒，请稍候…",
    "sms.done": "已登记短信提醒：{phone}。快到号和叫号时会发短信给您。",
    "sms.registered": "短信提醒：{phone}",
    "sms.failed": "短信提醒没能登记，号码仍然有效，请留意叫号。",
    # -- 办事指南 ------------------------------------------------------------------------------
    "guide.title": "办事指南",
    "guide.search": "搜索事项",
    "guide.search_hint": "输入拼音首字母、全拼或数字，如 hjdj（户籍登记）",
    "guide.results": "找到{count}项",
    "guide.no_results": "没有找到“{query}”相关的事项。可以换个说法、按部门查找，或到服务台咨询。",
    "guide.choose_department": "请选择部门",
    "guide.choose_topic": "请选择{department}的业务",
    "guide.other_topic": "其他事项",
    "guide.popular": "常办",
    "guide.applicants": "申请对象",
    "guide.conditions": "受理条件",
    "guide.materials": "申请材料",
    "guide.process": "办理流程",
    "guide.time_limits": "办理时限",
    "guide.statutory": "法定时限：{days}个工作日",
    "guide.promised": "承诺时限：{days}个工作日",
    "guide.same_day": "承诺时限：当场办结",
    "guide.fees": "收费标准",
    "guide.basis": "设定依据",
    "guide.windows": "办理窗口",
    "guide.windows_list": "{windows}号窗口",
    "guide.windows_none": "请到服务台咨询",
    "guide.location": "办理地点",
    "guide.online": "网上办理",
    "guide.online_yes": "也可以在网上办理",
    "guide.tags": "服务方式",
    "guide.code": "事项编码：{code}",
    "guide.print": "打印材料清单",
    "guide.take_ticket": "为此事项取号",
    "guide.printing": "正在打印材料清单…",
    "guide.printed": "材料清单已打印，请取走",
    "guide.print_failed": "材料清单没能打印，请用手机拍下本页，或到服务台领取。",
    "guide.offline": "排队系统暂时连接不上，以下是本机保存的办事指南。",
    "guide.no_catalog": "暂时没有办事指南，请到服务台咨询。",
    "guide.checklist_title": "申请材料清单",
    "guide.checklist_footer": "请备齐材料后取号办理",
    "guide.continued": "（续）",
    "guide.material_line": "{n}. {name}　{form}",
    # -- 预约签到 ------------------------------------------------------------------------------
    "checkin.title": "预约签到",
    "checkin.prompt": "请刷身份证，或输入预约码",
    "checkin.enter_code": "输入预约码",
    "checkin.code_prompt": "请输入预约码",
    "checkin.submit": "签到",
    "checkin.choose_category": "请选择您预约的业务",
    "checkin.checking": "正在签到，请稍候…",
    "checkin.done": "签到成功",
    "checkin.reader_down": "身份证阅读器暂时不能使用，请输入预约码签到。",
    "checkin.take_ordinary": "取普通号",
    # -- 过号重排 ------------------------------------------------------------------------------
    "requeue.title": "过号重排",
    "requeue.prompt": "请输入号票上的号码，如 A001",
    "requeue.submit": "重新排队",
    "requeue.bad_number": "号码是一个字母加数字，如 A001，请再输入一次",
    "requeue.working": "正在重新排队，请稍候…",
    "requeue.done": "已为您重新排队",
    "requeue.retry": "重新输入",
    "requeue.new_ticket": "重新取号",
    # -- 进度查询 ------------------------------------------------------------------------------
    "progress.title": "进度查询",
    "progress.ticket": "查排队进度",
    "progress.ticket.hint": "输入号票上的号码",
    "progress.case": "查办件进度",
    "progress.case.hint": "输入受理回执上的办件编号",
    "progress.ticket_prompt": "请输入号码，如 A001",
    "progress.case_prompt": "请输入受理回执上的办件编号",
    "progress.submit": "查询",
    "progress.looking": "正在查询，请稍候…",
    "progress.waiting": "排队中",
    "progress.called": "已叫号，请到{window}号窗口办理",
    "progress.finished": "已办理完毕",
    "progress.missed": "已过号",
    "progress.missed_hint": "过号{minutes}分钟内可以重新排队",
    "progress.cancelled": "这个号已作废",
    "progress.case_number": "办件编号：{receipt}",
    "progress.case_item": "事项：{item}",
    "progress.case_status": "办理状态：{status}",
    "progress.case_accepted": "受理日期：{date}",
    "progress.case_promised": "承诺办结日期：{date}",
    "progress.again": "再查一个",
    "progress.requeue": "过号重排",
    # -- 意见建议 ------------------------------------------------------------------------------
    "feedback.title": "意见建议",
    "feedback.choose_kind": "请选择您要反映的事情",
    "feedback.kind.suggestion": "意见建议",
    "feedback.kind.unresolved": "办不成事反映",
    "feedback.choose_reason": "请选择原因",
    "feedback.reason.suggestion.attitude": "服务态度",
    "feedback.reason.suggestion.waiting": "等候时间",
    "feedback.reason.suggestion.guide": "办事指南不清楚",
    "feedback.reason.suggestion.facility": "设施设备",
    "feedback.reason.suggestion.other": "其他建议",
    "feedback.reason.unresolved.materials": "材料要求说不清",
    "feedback.reason.unresolved.runaround": "多次跑腿仍未办成",
    "feedback.reason.unresolved.system": "系统故障办不了",
    "feedback.reason.unresolved.refused": "窗口说不能办",
    "feedback.reason.unresolved.other": "其他问题",
    "feedback.phone_prompt": "请留下手机号码，方便工作人员联系您（也可以跳过）",
    "feedback.skip": "跳过",
    "feedback.submit": "提交",
    "feedback.bad_phone": "手机号码是11位数字，以1开头，请再输入一次",
    "feedback.sending": "正在提交，请稍候…",
    "feedback.thanks": "感谢您的反映！",
    "feedback.callback": "工作人员会尽快与您联系。",
    "feedback.no_callback": "我们会认真研究改进。",
    # -- keyboard ------------------------------------------------------------------------------
    "keys.backspace": "删除",
    "keys.clear": "清空",
    # -- errors: what a citizen reads ----------------------------------------------------------
    "err.you_typed": "您输入的是：{text}",
    "err.hours": "办公时间：{hours}",
    "err.hub_away": "排队系统暂时连接不上，请稍后再试，或到服务台找工作人员办理。",
    "err.hub_away_ticket": "排队系统暂时连接不上，现在不能自助取号，请到服务台找工作人员取号。",
    "err.unexpected": "出了点问题，请再试一次，或到服务台找工作人员。",
    "err.system": "系统暂时出了问题，请到服务台找工作人员办理。",
    "err.device_not_allowed": "这台机器暂时不能办理，请到服务台找工作人员。",
    "err.hall_closed": "现在不是办公时间，暂停取号。",
    "err.last_ticket_passed": "今天这类业务的取号时间已经过了。",
    "err.daily_cap_reached": "今天这类业务的号已经发完了。",
    "err.already_queued": "同一类业务每人只能有一个号，您已经在排队了。",
    "err.invalid_id_number": "这张身份证的号码读不出来，请重新刷卡，或到服务台办理。",
    "err.item_unavailable": "这项业务暂时不能在这里取号，请到服务台咨询。",
    "err.green_group_required": "走绿色通道需要先选择人群，并由工作人员确认。",
    "err.unknown_appointment": "没有找到这个预约码，请核对后再试。",
    "err.appointment_used": "这个预约已经签到过了，请留意叫号。",
    "err.appointment_cancelled": "这个预约已经取消了，可以取普通号办理。",
    "err.appointment_not_today": "这个预约不是今天的。",
    "err.appointment_too_early": "还没到签到时间。",
    "err.appointment_too_late": "预约的签到时间已经过了，可以取普通号排队。",
    "err.appointment_other_person": "这个预约不是这张身份证登记的，请用预约人本人的身份证或预约码签到。",
    "err.appointment_required": "没有找到您今天这个时段可以签到的预约。",
    "err.unknown_number": "今天没有这个号码，请核对号票上的号码。",
    "err.unknown_ticket": "没有找到这张号票，请核对号码。",
    "err.not_missed": "这个号没有过号，不需要重新排队。",
    "err.requeue_used": "这个号已经重新排过一次队了，请重新取号。",
    "err.requeue_expired": "过号时间太久，不能重新排队了，请重新取号。",
    "err.central_unavailable": "暂时连不上政务服务平台，查不到办件进度，请稍后再试或到服务台咨询。",
    "err.unknown_case": "没有找到这个办件编号，请核对受理回执上的编号。",
}

# Hub error code → text key. Every code the hub can answer is listed (a test checks this against
# hub/), so that no citizen ever reads a technical message; codes a kiosk should never get (window
# operations, admin calls) still get a sentence.
REFUSALS: dict[str, str] = {
    "hub_unavailable": "err.hub_away",
    "sms_off": "sms.failed",
    "bad_phone": "sms.bad_phone",
    "ticket_not_waiting": "sms.failed",
    "hall_closed": "err.hall_closed",
    "last_ticket_passed": "err.last_ticket_passed",
    "daily_cap_reached": "err.daily_cap_reached",
    "already_queued": "err.already_queued",
    "invalid_id_number": "err.invalid_id_number",
    "unknown_item": "err.item_unavailable",
    "unknown_category": "err.item_unavailable",
    "category_mismatch": "err.item_unavailable",
    "category_required": "err.item_unavailable",
    "unknown_lane": "err.item_unavailable",
    "green_group_required": "err.green_group_required",
    "unknown_appointment": "err.unknown_appointment",
    "appointment_used": "err.appointment_used",
    "appointment_cancelled": "err.appointment_cancelled",
    "appointment_not_today": "err.appointment_not_today",
    "appointment_too_early": "err.appointment_too_early",
    "appointment_too_late": "err.appointment_too_late",
    "appointment_other_person": "err.appointment_other_person",
    "appointment_required": "err.appointment_required",
    "unknown_number": "err.unknown_number",
    "unknown_ticket": "err.unknown_ticket",
    "not_missed": "err.not_missed",
    "requeue_used": "err.requeue_used",
    "requeue_expired": "err.requeue_expired",
    "central_unavailable": "err.central_unavailable",
    "unknown_case": "err.unknown_case",
    # Not for a kiosk: a misconfigured box or a hub bug. The citizen goes to the desk.
    "no_token": "err.device_not_allowed",
    "bad_token": "err.device_not_allowed",
    "wrong_role": "err.device_not_allowed",
    "wrong_window": "err.device_not_allowed",
    "unknown_role": "err.system",
    "bad_request": "err.system",
    "not_found": "err.system",
    "method_not_allowed": "err.system",
    "http_error": "err.system",
    "internal": "err.system",
    "idempotency_key_reused": "err.system",
    "bad_last_event_id": "err.system",
    "bad_appointment": "err.system",
    "appointment_exists": "err.system",
    "unknown_window": "err.system",
    "window_required": "err.system",
    "window_not_allowed": "err.system",
    "window_busy": "err.system",
    "window_paused": "err.system",
    "no_current_ticket": "err.system",
    "not_callable": "err.system",
    "not_paused": "err.system",
    "transfer_target": "err.system",
    "reason_required": "err.system",
    "name_required": "err.system",
    "bad_level": "err.system",
    "no_rating_pending": "err.system",
    "rating_expired": "err.system",
    # The manager's console and its API (accounts, follow-ups, feedback handling, alerts): a
    # kiosk never calls them; a kiosk's own feedback text is checked before it is sent.
    "csrf": "err.system",
    "account_exists": "err.system",
    "already_acked": "err.system",
    "bad_kind": "err.system",
    "bad_password": "err.system",
    "bad_role": "err.system",
    "bad_status": "err.system",
    "bad_username": "err.system",
    "feedback_closed": "err.system",
    "field_required": "err.system",
    "field_too_long": "err.system",
    "login_failed": "err.system",
    "no_phone": "err.system",
    "unknown_account": "err.system",
    "unknown_action": "err.system",
    "unknown_alert": "err.system",
    "unknown_feedback": "err.system",
    "unknown_field": "err.system",
    "unknown_followup": "err.system",
    "unknown_step": "err.system",
    "wrong_state": "err.system",
}

# Codes whose hub message names specifics worth showing under our sentence (the number already
# held and the people ahead, the booked slot, the cut-off time). Hub messages are Chinese.
DETAILED: frozenset[str] = frozenset(
    {
        "already_queued",
        "appointment_too_early",
        "appointment_too_late",
        "appointment_not_today",
        "daily_cap_reached",
        "last_ticket_passed",
        "requeue_expired",
        "hall_closed",
    }
)

LANGUAGES: dict[str, Mapping[str, str]] = {"zh": ZH}

VIEW_KEYS: frozenset[str] = frozenset({"keys.backspace", "keys.clear"})
"""Texts the views draw themselves (the built-in keyboard's keys); the rest come in a Screen."""

_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Sentence:
    """What a citizen reads about a failure: one sentence, and maybe a line of specifics."""

    text: str
    detail: str = ""  # the hub's own specifics (the number held, the booked date)
    fact: str = ""  # a fact of ours that explains it (the opening hours)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for line in (self.text, self.detail, self.fact) if line)


class Texts:
    """The UI texts of one language, falling back to Chinese key by key."""

    def __init__(self, language: str = "zh") -> None:
        if language not in LANGUAGES:
            raise ValueError(f"no UI texts for language {language!r} (have {sorted(LANGUAGES)})")
        self.language = language
        self._texts = LANGUAGES[language]

    def get(self, key: str, /, **values: object) -> str:
        """The text for ``key`` with ``values`` filled in; raises KeyError for an unknown key
        (a programming error a test catches, never a citizen's)."""
        template = self._texts.get(key) or ZH[key]
        return template.format(**values) if values else template

    def refusal(self, code: str, hub_message: str = "") -> Sentence:
        """The citizen's sentence for a hub error ``code`` (unknown codes get a general one)."""
        key = REFUSALS.get(code)
        if key is None:
            log.warning("no citizen sentence for hub error code %r; using the general one", code)
            key = "err.system"
        detail = hub_message.strip() if code in DETAILED and self.language == "zh" else ""
        return Sentence(self.get(key), detail)


def spoken_number(number: str) -> str:
    """A ticket number as the speech driver should read it, digit by digit: A001 → A零零一."""
    return "".join(_DIGITS[int(c)] if c.isascii() and c.isdigit() else c for c in number)


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template fills in (for tests that compare languages)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
