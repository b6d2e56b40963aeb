"""The console's words: navigation (with who may see each page), role, device and audit names.

One catalog, so that a page never spells a name differently from the navigation.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.actors import READ_ROLES


@dataclass(frozen=True)
class NavItem:
    """One entry of the console's navigation: its label, path and the roles that see it."""

    label: str
    path: str
    roles: tuple[str, ...]


HOME_ROLES = READ_ROLES
AUDIT_ROLES = ("manager",)
DEVICE_ROLES = ("manager", "technician")
ADMIN_ROLES = ("manager",)  # the hall's settings: staff, windows, calendar, versions

NAV = (
    NavItem("实时大厅", "/manage/", HOME_ROLES),
    NavItem("统计报表", "/manage/reports", READ_ROLES),
    NavItem("差评整改", "/manage/followups", READ_ROLES),
    NavItem("意见建议", "/manage/feedback", READ_ROLES),
    NavItem("告警", "/manage/alerts", READ_ROLES),
    NavItem("工作人员", "/manage/staff", ADMIN_ROLES),
    NavItem("窗口与业务", "/manage/hall", ADMIN_ROLES),
    NavItem("服务时间", "/manage/calendar", ADMIN_ROLES),
    NavItem("配置版本", "/manage/history", ADMIN_ROLES),
    NavItem("设备", "/manage/devices", DEVICE_ROLES),
    NavItem("审计日志", "/manage/audit", AUDIT_ROLES),
)

CONSOLE_NAME = "管理后台"

DEVICE_ROLE_NAMES = {
    "admin": "管理令牌",
    "kiosk": "取号机/查询机",
    "counter": "窗口",
    "board": "窗口屏",
    "display": "大厅屏",
}

ACTION_NAMES = {
    "account.add": "新增账号",
    "account.disable": "停用账号",
    "account.enable": "启用账号",
    "account.password": "修改密码",
    "account.sign_in": "登录管理后台",
    "account.sign_out": "退出管理后台",
    "device.add": "新增设备令牌",
    "device.revoke": "吊销设备令牌",
    "config.edit": "修改大厅设置",
    "config.rollback": "回滚大厅设置",
    "staff.unlock": "解除工号锁定",
}
"""Chinese names of audit actions; an action missing here is shown by its code."""

LOGIN_TITLE = "登录"
EMPTY_LOGIN = "请输入用户名和密码"
CSRF_REFUSED = "请求缺少有效的安全令牌，可能页面已过期。请返回刷新页面后重试。"
SESSION_GONE = "登录已过期或已退出，请重新登录后再操作。"
DENIED = "您的账号（{role}）无权查看此页面。"
NOT_FOUND = "没有找到这个页面，请从导航栏进入。"
TOO_LARGE = "提交的内容过大。"
