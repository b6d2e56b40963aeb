"""Sentences for a technician instead of Python's exception text (``HTTPConnectionPool(…)``).

:func:`network` turns a failed request into what happened and what to do, in Chinese then
English; :func:`enroll_error` does the same for ``hall enroll``'s refusals.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Explained:
    """What happened (Chinese, English) and what to do (Chinese, English)."""

    what: str
    todo: str
    what_en: str
    todo_en: str

    def line(self) -> str:
        return f"{self.what}；{self.todo} ({self.what_en}; {self.todo_en})"


def _chain(err: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while err is not None and err not in seen:
        seen.append(err)
        err = err.__cause__ or err.__context__
        for arg in getattr(seen[-1], "args", ()):  # urllib3 keeps the cause in args
            if isinstance(arg, BaseException) and arg not in seen and err is None:
                err = arg
    return seen


def network(err: BaseException, where: str, what_it_is: str = "对方") -> Explained:
    """Why a request to ``where`` failed. ``what_it_is``: who is there (大厅主机, 中心平台)."""
    chain = _chain(err)
    names = {type(e).__name__ for e in chain}
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSLError" in names:
        return Explained(
            f"与{what_it_is} {where} 的加密连接无法建立（证书不被信任或已过期）",
            "核对地址和 --ca-file 指定的证书，检查本机时间是否正确",
            f"TLS to {where} failed (certificate not trusted or expired)",
            "check the address, the --ca-file certificate and this box's clock",
        )
    if "Timeout" in " ".join(names) or any(isinstance(e, TimeoutError) for e in chain):
        return Explained(
            f"{what_it_is} {where} 没有及时应答（超时）",
            f"检查网线、网络和{what_it_is}是否开机",
            f"{where} did not answer in time",
            "check the cable, the network and that the other side is on",
        )
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or "NameResolutionError" in names
        or "name or service not known" in text
        or "temporary failure in name resolution" in text
    ):
        return Explained(
            f"找不到{what_it_is}的地址 {where}（域名无法解析）",
            "核对地址拼写，或改用 IP 地址，检查本机的 DNS 设置",
            f"the name in {where} does not resolve",
            "check the address's spelling, use an IP address, check DNS",
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return Explained(
            f"{what_it_is} {where} 拒绝连接：服务没有运行或端口不对",
            f"确认{what_it_is}上的服务已启动（systemctl status），核对地址中的端口",
            f"{where} refused the connection: nothing listens on that port",
            "start the service there (systemctl status) or fix the port in the address",
        )
    return Explained(
        f"连接不上{what_it_is} {where}",
        f"检查网线、网络和{what_it_is}是否开机",
        f"{where} cannot be reached",
        "check the cable, the network and that the other side is on",
    )


ENROLL_ADVICE = {
    "bad_code": ("注册码格式不对", "按打印的格式核对注册码（XXXX-XXXX-XXXX）"),
    "unknown_code": ("中心平台不认识这个注册码", "核对注册码和中心平台地址"),
    "code_used": ("这个注册码已经用过", "向中心平台管理员申请新的注册码"),
    "code_expired": ("注册码已过期（有效期 7 天）", "向中心平台管理员申请新的注册码"),
    "too_many_attempts": ("错误次数过多，中心平台暂时拒绝本机", "等 10 分钟后再试"),
    "bad_answer": (
        "中心平台的应答无法识别",
        "核对 --central 是中心平台的地址；仍不行请联系中心平台",
    ),
    "bad_input": ("命令参数有误", "按下面的英文说明改正后重试"),
}


def enroll_error(err: Any, central: str) -> str:
    """The sentence ``hall enroll`` prints for an EnrollError (``code`` and message)."""
    code = getattr(err, "code", "")
    if code == "unreachable":
        return network(err, central, "中心平台").line()
    what, todo = ENROLL_ADVICE.get(code, ("中心平台拒绝注册", "联系中心平台管理员"))
    return f"{what}；{todo} ({err})"
