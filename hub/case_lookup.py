"""Looking a receipt up for a citizen: central first (it knows the back office's progress), the
hall's own record when central cannot be reached.

The request is signed with the hub's credential (``DATA/central.json``) and has a short time
limit: a kiosk user is waiting. See docs/sync-protocol.md, "Case lookup".
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from hub.cases import CaseDesk, status_text
from hub.errors import HubError, NotFound
from sync.errors import SyncError
from sync.http import CentralClient, CentralRefused
from sync.wire import API_PREFIX

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_SECONDS = 2.0
"""Time limit of one case lookup at central; past it the hall's own record answers."""


class CentralUnavailable(HubError):
    """Central could not be asked and the hall does not know the receipt (HTTP 503)."""

    status = 503


class CaseLookup:
    """Answers ``GET /api/v1/cases/{receipt}``. Thread-safe (the client is).

    ``client`` is None when the hub is not enrolled: the hall's record is then the only one.
    """

    def __init__(self, desk: CaseDesk, client: CentralClient | None) -> None:
        self._desk = desk
        self._client = client

    def find(self, receipt: str) -> dict[str, Any]:
        """The case's status with ``source`` (``central`` or ``hall``) and ``central_reachable``.

        Raises NotFound ``unknown_case`` (nobody knows it) or CentralUnavailable
        ``central_unavailable`` (central unreachable and the hall does not know it).
        """
        wanted = receipt.strip().upper()
        held = self._desk.case_record(wanted)
        reachable = False
        if self._client is not None:
            try:
                found = self._ask_central(self._client, wanted)
            except CentralRefused as err:
                if err.status != 404:
                    log.warning("case lookup %s: central refused: %s", wanted, err)
                else:
                    reachable = True
                    if held is None:
                        raise NotFound("unknown_case", _unknown(wanted)) from err
            except (SyncError, KeyError, TypeError, ValueError) as err:
                # Unreachable, timed out, or an answer we cannot read: as good as no answer.
                log.warning("case lookup %s: no usable answer from central: %s", wanted, err)
            else:
                return {**found, "source": "central", "central_reachable": True}
        if held is not None:
            # Central does not know it yet (the uplink is behind) or could not be asked.
            return {**held, "source": "hall", "central_reachable": reachable}
        if self._client is None:
            raise NotFound("unknown_case", _unknown(wanted))
        raise CentralUnavailable(
            "central_unavailable", "暂时无法连接上级平台查询该回执，请稍后再试或到窗口咨询"
        )

    @staticmethod
    def _ask_central(client: CentralClient, receipt: str) -> dict[str, Any]:
        hall = quote(client.credential.hall, safe="")
        answer = client.request(
            "GET", f"{API_PREFIX}/halls/{hall}/cases/{quote(receipt, safe='')}", ok=(200,)
        ).json()
        status = str(answer["status"])
        return {
            "receipt": str(answer["receipt"]),
            "item_name": str(answer["item_name"]),
            "status": status,
            "status_text": str(answer.get("status_text") or status_text(status)),
            "accepted_on": answer.get("accepted_on"),
            "promised_on": answer.get("promised_on"),
        }


def _unknown(receipt: str) -> str:
    return f"没有找到回执编号{receipt}，请核对回执上的编号"
