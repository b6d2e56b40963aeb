"""The console's words (Simplified Chinese) and its navigation."""

from __future__ import annotations

from dataclasses import dataclass

CONSOLE_NAME = "中心平台监管台"
LOGIN_TITLE = "登录"
EMPTY_LOGIN = "请输入用户名和密码"
CSRF_REFUSED = "页面已过期或来源不明，请刷新页面后重试"
SESSION_GONE = "登录已失效（长时间未操作或已退出），请重新登录"
TOO_LARGE = "提交的内容太大"
NOT_FOUND = "没有这个页面"
DENIED = "{role}无权查看此页面"
SAVED = "已保存"


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation: shown to the ``roles`` that may open it."""

    label: str
    path: str
    roles: tuple[str, ...]


EVERYONE = ("admin", "supervisor")
ADMIN = ("admin",)

NAV = [
    NavItem("大厅", "/console/", EVERYONE),
    NavItem("报表", "/console/reports", EVERYONE),
    NavItem("通报", "/console/bulletin", EVERYONE),
    NavItem("区域", "/console/regions", EVERYONE),
    NavItem("账号", "/console/accounts", ADMIN),
    NavItem("操作记录", "/console/audit", ADMIN),
]
"""The pages in the navigation, in order; a new page adds its entry here."""

ACTION_NAMES = {
    "account.add": "添加账号",
    "account.disable": "停用账号",
    "account.password": "修改密码",
    "account.sign_in": "登录",
    "account.sign_out": "退出登录",
    "region.add": "添加区域",
    "region.edit": "修改区域",
    "hall.region": "设置大厅所属区域",
}
