"""The admin page: one plain HTML table of the halls, their lag and their last contact."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from sync.central.store import Hall

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>中心平台 · 大厅同步状态</title>
<meta http-equiv="refresh" content="30">
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.3em .7em;text-align:left}}td.n{{text-align:right}}
.late{{color:#b00}}</style></head><body>
<h1>大厅同步状态</h1>
<p>共 {count} 个大厅 · 页面时间 {now}</p>
<table><thead><tr><th>大厅名称</th><th>大厅编号</th><th>已确认序号</th><th>大厅最新序号</th>
<th>积压</th><th>最近联系</th><th>拒收事件</th><th>冲突</th><th>目录版本</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
_LATE_SECONDS = 15 * 60


def _contact(hall: Hall, now: float) -> str:
    if hall.last_contact is None:
        return "从未联系"
    when = datetime.fromtimestamp(hall.last_contact, UTC).astimezone()
    ago = int(max(0, now - hall.last_contact))
    if ago < 60:
        shown = f"{ago} 秒前"
    elif ago < 3600:
        shown = f"{ago // 60} 分钟前"
    else:
        shown = f"{ago // 3600} 小时前"
    return f"{when:%Y-%m-%d %H:%M:%S}（{shown}）"


def render_admin(halls: list[Hall], now: float) -> str:
    """The page for ``halls`` at ``now`` (Unix seconds); every hall-supplied text is escaped."""
    rows = []
    for hall in halls:
        late = hall.last_contact is None or now - hall.last_contact > _LATE_SECONDS
        rows.append(
            "<tr>"
            f"<td>{escape(hall.name)}</td><td>{escape(hall.id)}</td>"
            f'<td class="n">{hall.acked_seq}</td><td class="n">{hall.hub_last_seq}</td>'
            f'<td class="n">{hall.lag}</td>'
            f'<td class="{"late" if late else ""}">{escape(_contact(hall, now))}</td>'
            f'<td class="n">{hall.rejected}</td><td class="n">{hall.conflicts}</td>'
            f'<td class="n">{hall.catalog_version}</td>'
            "</tr>"
        )
    stamp = datetime.fromtimestamp(now, UTC).astimezone()
    return _PAGE.format(count=len(halls), now=f"{stamp:%Y-%m-%d %H:%M:%S}", rows="\n".join(rows))
