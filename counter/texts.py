"""The one catalog of the counter app's UI texts, keyed, in Simplified Chinese, and the sentence a
clerk reads for every hub error.

A text is a ``str.format`` template: ``texts.get("serving.elapsed", minutes=3, seconds=5)``. Hub
refusals map by their stable ``code`` (docs/hub.md, /work/briefs/contract.md) to a sentence of
ours; for codes whose hub message carries specifics (tries left, locked until, the number being
served) the hub's own message is shown under it. A clerk never reads a traceback or an English
code.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

ZH: dict[str, str] = {
    # -- window, sign-in -----------------------------------------------------------------------
    "app.title": "{number}号窗口 · {name}",
    "signin.title": "窗口工作人员登录",
    "signin.staff_no": "工号",
    "signin.pin": "密码",
    "signin.submit": "登录",
    "signin.hint": "输入工号和密码后按“登录”（小键盘回车也可以）",
    "signin.working": "正在登录…",
    "signin.done": "{name}已在{window}号窗口登录",
    "signin.replaced": "{name}已接替{previous}在本窗口办理（AB岗）",
    "signin.need_both": "请输入工号和密码",
    "signin.taken": "{name}已在本窗口登录，您已退出。",
    "signin.ended": "本窗口的登录已结束（可能在其他窗口登录了），请重新登录。",
    "signout": "退出登录",
    "signout.done": "已退出登录",
    "keys.backspace": "删除",
    "keys.clear": "清空",
    "keys.next_field": "下一项",
    # -- status --------------------------------------------------------------------------------
    "clerk.none": "未登录",
    "clerk.line": "{name}（工号{number}）",
    "status.idle": "空闲",
    "status.serving": "办理中",
    "status.paused": "暂停服务：{reason}",
    "band.signed_out": "未登录：请输入工号和密码",
    "band.idle": "空闲 · 按 {key} 叫号",
    "band.serving": "办理中 · {number}号",
    "band.paused": "暂停服务：{reason} · 按 {key} 恢复",
    "band.rating": "等待群众评价 · 不必等候，可按 {key} 叫下一位",
    "band.bad_reason": "差评待选原因 · 选择原因不影响叫号",
    "hub.away": "排队系统连接中断：现在不能叫号，按键不会被执行，恢复后会自动重新连接。",
    "hub.back": "排队系统已恢复连接",
    "busy": "正在处理，请稍候…",
    # -- serving -------------------------------------------------------------------------------
    "serving.caption": "当前办理",
    "serving.none": "当前没有办理中的号",
    "serving.waiting": "等候 {waiting} 人",
    "serving.hint_idle": "当前没有办理中的号 · 按 {key} 叫下一位",
    "serving.hint_paused": "暂停中，按 {key} 恢复服务后才能叫号",
    "serving.number": "{number}",
    "serving.category": "{category} · {lane}",
    "serving.item": "事项：{item}",
    "serving.item_unknown": "事项：取号时未选择具体事项",
    "serving.elapsed": "已办理 {minutes:02d}:{seconds:02d}",
    "lane.ordinary": "普通",
    "lane.green": "绿色通道",
    "lane.green_group": "绿色通道（{group}）",
    "lane.appointment": "预约",
    # -- queue, today --------------------------------------------------------------------------
    "queue.title": "本窗口排队情况",
    "queue.category": "{code} {name}",
    "queue.total": "共{count}人等候",
    "queue.sum": "合计",
    "queue.nobody": "本窗口暂无等候",
    "queue.longest": "等候最久：{number}号，已等{minutes}分钟",
    "today.title": "今日",
    "today.line": "已办结{count}件，平均{average}",
    "today.average": "{minutes:.1f}分钟",
    "today.average_none": "—",
    "today.seen": "（本机统计：集中控制器未提供本窗口数字）",
    # -- actions -------------------------------------------------------------------------------
    "action.call_next": "叫号",
    "action.call_number": "指定叫号",
    "action.recall": "重呼",
    "action.skip": "过号",
    "action.transfer": "转移",
    "action.pause": "暂停",
    "action.resume": "恢复",
    "action.finish": "办结",
    "action.receipt": "收件回执",
    "done.called": "已呼叫{number}号",
    "done.nobody": "现在没有人等候本窗口",
    "done.recalled": "已重呼{number}号",
    "done.skipped": "{number}号已过号",
    "done.transferred_category": "{number}号已转到{category}",
    "done.transferred_window": "{number}号已转到{window}号窗口",
    "done.paused": "已暂停服务：{reason}",
    "done.resumed": "已恢复服务",
    "done.finished": "{number}号已办结",
    # -- refusals before asking the hub --------------------------------------------------------
    "refuse.busy": "上一个操作还在进行，请稍候再按。",
    "refuse.hub_away": "排队系统连接中断，这次按键没有执行；恢复连接后请重新操作。",
    "refuse.signed_out": "请先登录。",
    "refuse.no_ticket": "当前没有办理中的号。",
    "refuse.serving": "正在办理{number}号，请先办结、过号或转移。",
    "refuse.paused": "窗口暂停服务中，请先恢复服务。",
    "refuse.not_paused": "窗口没有暂停。",
    "refuse.no_bad_rating": "现在没有等待选择原因的差评。",
    "refuse.bad_reason_first": "请先选择{number}号群众给出的差评原因，再办结。",
    "refuse.bad_number": "号码是一个字母加数字，如 A001，请再输入一次。",
    "refuse.reason_required": "请选择或填写原因。",
    "refuse.transfer_target": "请选择转到哪类业务或哪个窗口。",
    "refuse.no_materials": "请勾选已收到的材料。",
    "refuse.no_item": "请选择办理事项。",
    "refuse.bad_phone": "手机号码是11位数字，以1开头，请再输入一次。",
    # -- rating --------------------------------------------------------------------------------
    "rating.asking": "请评价：请群众在评价器上按键（还剩{seconds}秒）",
    "rating.result": "群众评价：{level_name}",
    "rating.none": "未评价",
    "rating.bad": "群众评价：{level_name}（差评）。请询问群众原因并选择：",
    "rating.bad_title": "差评原因",
    "rating.bad_fixed": "群众的评价不能修改，只需选择原因",
    "rating.followup": "已提交差评原因“{reason}”，已转整改回访，须在{due}前完成",
    "rating.followup_nodue": "已提交差评原因“{reason}”，已转整改回访",
    "rating.not_saved": "评价没能提交到排队系统：{reason}",
    "rating.reason_expired": "差评原因未在时限内选择，排队系统不再接收这次评价。",
    "rating.band_asking": "等待{number}号评价",
    "rating.band_reason": "{number}号差评：请选择原因",
    "rating.band_done": "{number}号评价",
    "rating.seconds": "还剩{seconds}秒",
    "rating.band_hint": "群众在评价器上按键后，结果显示在这里；不必等候，可以叫下一位。",
    "rating.reason_seconds": "请在{minutes}分{seconds:02d}秒内选择",
    # -- dialogs -------------------------------------------------------------------------------
    "dialog.ok": "确定",
    "dialog.cancel": "取消",
    "call_number.title": "指定叫号",
    "call_number.prompt": "请输入号码，如 A001",
    "transfer.title": "转移",
    "transfer.to_category": "转到业务类别",
    "transfer.to_window": "转到窗口",
    "transfer.window_line": "{number}号窗口 · {name}",
    "transfer.window_short": "{number}号窗口",
    "reason.other": "其他原因（可直接输入）",
    "transfer.reason": "转移原因",
    "transfer.reasons": "需其他窗口办理|材料需其他部门审核|取错业务类别|群众要求",
    "pause.title": "暂停服务",
    "pause.reason": "暂停原因（显示在窗口屏上）",
    "pause.reasons": "临时离开，请稍候|业务培训|系统维护|午间休息",
    "receipt.title": "收件回执",
    "receipt.search": "查找事项（名称或编号）",
    "receipt.items": "本窗口事项",
    "receipt.materials": "勾选已收到的材料",
    "receipt.applicant": "申请人姓名（可不填）",
    "receipt.phone": "联系电话（可不填，用于回访）",
    "receipt.print": "登记并打印回执",
    "receipt.previous": "上一页",
    "receipt.next": "下一页",
    "receipt.page": "第{page}/{pages}页 · 共{count}项",
    "receipt.missing": "缺{count}项材料：{names}",
    "receipt.done": "已登记，办件编号{receipt}，承诺{promised}办结",
    "receipt.done_same_day": "已登记，办件编号{receipt}，当场办结",
    "receipt.printed": "回执已打印",
    "receipt.print_failed": "办件已登记（{receipt}），但回执没能打印：{problem}。{advice}",
    "receipt.no_printer": "办件已登记（{receipt}），本窗口没有配置打印机，请手写回执。",
    "receipt.qr_caption": "扫码或在查询机输入编号查进度",
    "receipt.card": "已读取身份证 {number}（凭此证可查办件、领取结果）",
    # -- a case after 收件: 出件/领取, 补正, 不予受理 ---------------------------------------------
    "action.progress": "办理进度",
    "action.deliver": "出件",
    "action.correction": "补正通知",
    "action.reject": "不予受理",
    "case.deliver_title": "出件 · 群众领取办理结果",
    "case.correction_title": "补正通知（一次性告知）",
    "case.reject_title": "不予受理通知书",
    "case.progress_title": "办理进度 · 办理中 / 已办结待领取",
    "case.progress_to": "改为",
    "case.to_processing": "办理中（已开始审查、办理）",
    "case.to_ready": "已办结，待群众领取",
    "case.pickup_window": "领取窗口（号）",
    "case.progress_button": "更新办理进度",
    "case.processing_done": "办件{receipt}已改为“办理中”",
    "case.ready_done": "办件{receipt}已办结，请群众带回执到{window}号窗口领取",
    "case.receipt": "办件编号（输入或用扫码枪扫回执，回车查找）",
    "case.card_hint": "或请群众把身份证放在读卡器上",
    "case.no_reader": "本窗口没有身份证读卡器：请输入或扫描回执上的办件编号",
    "case.find": "查找",
    "case.found_none": "没有找到办件。",
    "case.line": "{receipt} · {item} · {status}",
    "case.found_person": "找到此人的{count}件办件，其中{ready}件待领取：请选择",
    "case.chosen": "已找到办件{receipt}，现在是“{status}”",
    "case.confirm": "请群众确认领取",
    "case.confirm_ask": "请在评价器上按任意键确认领取（还剩{seconds}秒）",
    "case.confirm_none": "群众没有在评价器上按键确认，办件{receipt}没有领取。可以再请群众确认。",
    "case.delivered": "办件{receipt}已领取",
    "case.pickup_printed": "领取凭证已打印",
    "case.materials": "勾选群众需要补正的全部材料（一次性告知）",
    "case.missing_count": "已勾选{count}项",
    "case.correct": "通知补正并打印",
    "case.reprint": "补打补正通知书",
    "case.corrected": "办件{receipt}已转为需补正，共{count}项材料",
    "case.correction_printed": "补正材料通知书已打印",
    "case.reason": "不予受理的理由（群众能看懂的一句话）",
    "case.reasons": (
        "不属于本事项的受理范围|申请人不符合办理条件|申请事项依法不需要取得行政许可"
        "|申请事项不属于本机关职权范围"
    ),
    "case.reject_button": "不予受理并打印",
    "case.rejected": "办件{receipt}不予受理",
    "case.rejection_printed": "不予受理通知书已打印",
    "case.basis_none": "事项目录未载明设定依据",
    "case.paper_failed": "{done}，但{paper}没能打印：{problem}。{advice}",
    "case.no_printer": "{done}；本窗口没有配置打印机，请手写{paper}。",
    "case.close": "关闭",
    "paper.pickup": "领取凭证",
    "paper.correction": "补正材料通知书",
    "paper.rejection": "不予受理通知书",
    "refuse.case_receipt": "办件编号是回执上的字母和数字（如 SJ202503120001），请再输入一次。",
    "refuse.case_none": "请先查找并选择一件办件。",
    "refuse.case_not_ready": "办件{receipt}现在是“{status}”，还不能领取。",
    "refuse.case_no_correction": "办件{receipt}现在是“{status}”，不能再通知补正。",
    "refuse.case_no_reject": "办件{receipt}现在是“{status}”，不能再作不予受理。",
    "refuse.case_no_missing": "请勾选群众需要补正的材料（至少一项）。",
    "refuse.case_no_keypad": "本窗口没有评价器，无法请群众按键确认领取，请联系技术人员。",
    "refuse.case_keypad_busy": "评价器正在等待{number}号群众评价，评价结束后再请群众确认领取。",
    "refuse.case_confirming": "评价器正在等待群众确认领取，请先完成出件。",
    "refuse.case_not_correction": "办件{receipt}没有补正通知可以补打。",
    "refuse.case_no_progress": "办件{receipt}现在是“{status}”，不能再更改办理进度。",
    "refuse.case_no_target": "请选择“办理中”或“已办结，待群众领取”。",
    "refuse.case_bad_target": "办件{receipt}现在是“{status}”，不能改为“{target}”。",
    "refuse.case_pickup_window": "领取窗口是窗口号（1到{max}），请再选一次。",
    # -- errors --------------------------------------------------------------------------------
    "err.hub_away": "排队系统连接不上，这次操作可能没有完成；恢复连接后请查看当前状态再操作。",
    "err.system": "排队系统出了问题，这次操作没有完成，请联系技术人员。",
    "err.device_not_allowed": "这台电脑没有本窗口的授权，请联系技术人员。",
    "err.unknown_staff": "没有这个工号，请核对后再输入。",
    "err.pin_wrong": "密码不对。",
    "err.staff_locked": "密码输错次数太多，这个工号暂时锁定。",
    "err.staff_not_allowed": "这个工号不能在本窗口登录。",
    "err.still_serving": "还有正在办理的号，请先办结、过号或转移再退出。",
    "err.not_signed_in": "请先登录再叫号。",
    "err.window_busy": "本窗口还有正在办理的号，请先办结、过号或转移。",
    "err.window_paused": "窗口暂停服务中，请先恢复服务。",
    "err.no_current_ticket": "当前没有办理中的号。",
    "err.not_paused": "窗口没有暂停。",
    "err.unknown_number": "今天没有这个号码，请核对。",
    "err.not_callable": "这个号现在不能叫（已办结、已过号或不属于本窗口）。",
    "err.transfer_target": "请选择别的业务类别或窗口（不能转到本窗口）。",
    "err.unknown_category": "没有这类业务。",
    "err.unknown_window": "本厅没有这个窗口。",
    "err.reason_required": "请选择或填写原因。",
    "err.no_rating_pending": "这次服务已经不能评价了。",
    "err.rating_expired": "评价时间已过，本次服务记为未评价。",
    "err.bad_level": "评价器送来的评价无法识别。",
    "err.unknown_item": "没有这个事项，请重新选择。",
    "err.unknown_material": "有一项材料不在这个事项的清单里，请重新勾选。",
    "err.unknown_case": "没有找到这个办件编号，请核对回执上的编号。",
    "err.bad_case_move": "这个办件现在不能这样办理。",
    "err.not_confirmed": "群众还没有在评价器上确认领取。",
    "err.missing_required": "请勾选群众需要补正的材料（至少一项）。",
    "err.central_unavailable": "暂时查不到这个办件（上级平台连接不上），请稍后再试。",
    "err.bad_id_number": "身份证号码读取有误，请重新放卡。",
    "err.bad_status": "这个办件状态不能在窗口设置，请联系技术人员。",
}

# Hub error code → text key. Every code the hub answers has a sentence (a test checks the
# codes in hub/), so a clerk never reads a technical message.
REFUSALS: dict[str, str] = {
    "hub_unavailable": "err.hub_away",
    "unknown_staff": "err.unknown_staff",
    "pin_wrong": "err.pin_wrong",
    "staff_locked": "err.staff_locked",
    "staff_not_allowed": "err.staff_not_allowed",
    "still_serving": "err.still_serving",
    "not_signed_in": "err.not_signed_in",
    "window_busy": "err.window_busy",
    "window_paused": "err.window_paused",
    "no_current_ticket": "err.no_current_ticket",
    "not_paused": "err.not_paused",
    "unknown_number": "err.unknown_number",
    "unknown_ticket": "err.unknown_number",
    "not_callable": "err.not_callable",
    "transfer_target": "err.transfer_target",
    "unknown_category": "err.unknown_category",
    "unknown_window": "err.unknown_window",
    "reason_required": "err.reason_required",
    "no_rating_pending": "err.no_rating_pending",
    "rating_expired": "err.rating_expired",
    "bad_level": "err.bad_level",
    "unknown_item": "err.unknown_item",
    "unknown_material": "err.unknown_material",
    "unknown_case": "err.unknown_case",
    "bad_case_move": "err.bad_case_move",
    "not_confirmed": "err.not_confirmed",
    "missing_required": "err.missing_required",
    "central_unavailable": "err.central_unavailable",
    "bad_id_number": "err.bad_id_number",
    "invalid_id_number": "err.bad_id_number",
    "bad_status": "err.bad_status",
    "no_token": "err.device_not_allowed",
    "bad_token": "err.device_not_allowed",
    "wrong_role": "err.device_not_allowed",
    "wrong_window": "err.device_not_allowed",
    "window_not_allowed": "err.device_not_allowed",
}

# Codes whose hub message names specifics worth a second line (hub messages are Chinese).
DETAILED: frozenset[str] = frozenset(
    {
        "pin_wrong",
        "staff_locked",
        "window_busy",
        "not_callable",
        "unknown_number",
        "still_serving",
        "bad_case_move",
    }
)

LANGUAGES: dict[str, Mapping[str, str]] = {"zh": ZH}


@dataclass(frozen=True)
class Sentence:
    """What a clerk reads: one sentence, and maybe a line of specifics from the hub."""

    text: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.text}{self.detail}" if self.detail else self.text


class Texts:
    """The UI texts of one language, falling back to Chinese key by key."""

    def __init__(self, language: str = "zh") -> None:
        if language not in LANGUAGES:
            raise ValueError(f"no UI texts for language {language!r} (have {sorted(LANGUAGES)})")
        self._texts = LANGUAGES[language]
        self.language = language

    def get(self, key: str, /, **values: object) -> str:
        """The text for ``key`` filled with ``values``; raises KeyError for an unknown key (a
        programming error a test catches)."""
        template = self._texts.get(key) or ZH[key]
        return template.format(**values) if values else template

    def choices(self, key: str) -> list[str]:
        """A ``|``-separated list text as a list (preset reasons)."""
        return [part for part in self.get(key).split("|") if part]

    def refusal(self, code: str, hub_message: str = "") -> Sentence:
        """The clerk's sentence for a hub error ``code`` (unknown codes get a general one)."""
        key = REFUSALS.get(code)
        if key is None:
            log.warning("no clerk sentence for hub error code %r; using the general one", code)
            key = "err.system"
        detail = hub_message.strip() if code in DETAILED and self.language == "zh" else ""
        return Sentence(self.get(key), detail)
