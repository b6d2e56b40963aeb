"""Exit statuses of every ``hall`` command, in one place (docs/install.md, "技术人员命令").

- 0 ``OK``: done; for a check (``doctor``, ``config check``, ``provision``'s device tests):
  everything is fine.
- 1 ``FAIL``: the command ran and something needs the technician: a check found a problem, a
  device failed its test, the hub or central could not be reached, a store or file is missing.
- 2 ``USAGE``: the command line or the input was wrong (an unknown option, a bad PIN, two
  passwords that differ); nothing was changed. argparse uses 2 for its own errors too.
- 130 ``INTERRUPTED``: stopped with Ctrl-C before it finished (commands that run until stopped,
  such as ``hall hub`` or a simulator, exit 0 on Ctrl-C or SIGTERM instead: that is their end).
"""

from __future__ import annotations

OK = 0
FAIL = 1
USAGE = 2
INTERRUPTED = 130

# The names the command modules used before; kept so that each reads as before.
EXIT_OK, EXIT_FAIL, EXIT_USAGE = OK, FAIL, USAGE

MEANINGS = {
    OK: "成功；检查全部正常 (done; every check ok)",
    FAIL: "需要处理：检查发现问题、设备测试未通过、连接不上或缺少文件 (something needs attention)",
    USAGE: "命令或输入有误，没有做任何修改 (wrong command line or input; nothing changed)",
    INTERRUPTED: "被 Ctrl-C 中断 (interrupted)",
}
