"""意见建议 / 办不成事反映: pick what it is about, pick a reason, leave a phone number (or skip),
done.

States::

    kind ─kind:X─► reason ─reason:K─► phone (keypad; skip) ─submit/skip─► sending ─► thanks
                                                                              └─► refused

The phone number is personal data: it is on screen only while typed, sent once, and forgotten
with the journey.
"""

from __future__ import annotations

import re
from typing import ClassVar

from kiosk.journeys.base import Handoff, Journey, TextInput
from kiosk.journeys.screens import Choice, Group, Listing, Tone, View
from kiosk.ports import Feedback
from kiosk.texts import Sentence

KIND = "kind"
REASON = "reason"
PHONE = "phone"
SENDING = "sending"
THANKS = "thanks"
REFUSED = "refused"

KINDS = ("suggestion", "unresolved")
REASONS: dict[str, tuple[str, ...]] = {
    "suggestion": ("attitude", "waiting", "guide", "facility", "other"),
    "unresolved": ("materials", "runaround", "system", "refused", "other"),
}

_MOBILE = re.compile(r"^1\d{10}$")


class FeedbackJourney(Journey):
    """Feedback from a citizen."""

    name: ClassVar[str] = "feedback"
    done_states: ClassVar[frozenset[str]] = frozenset({THANKS})

    kind: str | None
    reason: str | None
    phone: TextInput
    left_phone: bool

    def reset(self) -> None:
        self.kind = None
        self.reason = None
        self.phone = TextInput("phone", lambda c: c.isascii() and c.isdigit(), 11)
        self.left_phone = False
        self._go(KIND)

    def _on_tap(self, action: str) -> None:
        kind, _, value = action.partition(":")
        if kind == "kind" and self.state == KIND and value in KINDS:
            self.kind = value
            self._go(REASON)
        elif kind == "reason" and self.state == REASON and self.kind:
            if value in REASONS[self.kind]:
                self.reason = value
                self._go(PHONE)
        elif action == "skip" and self.state == PHONE:
            self.phone.press("clear")
            self._send()
        elif action == "submit" and self.state == PHONE:
            if _MOBILE.match(self.phone.text):
                self._send()
            else:
                self.message = Sentence(self.texts.get("feedback.bad_phone"))
                self.tone = Tone.ERROR
        elif action == "done" and self.state in (THANKS, REFUSED):
            self.handoff = Handoff(None)

    def _on_key(self, key: str) -> None:
        if self.state == PHONE:
            self.phone.press(key)

    def _on_back(self) -> None:
        if self.state == PHONE:
            self.phone.press("clear")
            self._go(REASON)
        elif self.state == REASON:
            self._go(KIND)
        else:
            super()._on_back()

    def _send(self) -> None:
        if self.kind is None or self.reason is None:
            return
        phone = self.phone.text or None
        feedback = Feedback(self.kind, f"{self.kind}.{self.reason}", phone)
        self.left_phone = phone is not None
        self.phone.press("clear")  # not kept on screen or in memory past this point
        hub = self.ctx.hub
        self._start_work(
            SENDING,
            self.texts.get("feedback.sending"),
            self._hub_work(
                lambda: hub.send_feedback(feedback), self._sent, self._refused, self._away
            ),
        )

    def _sent(self, _: None) -> None:
        self._go(THANKS)

    def _view(self) -> View:
        texts = self.texts
        title = texts.get("feedback.title")
        done = Choice("done", texts.get("ticket.done"), group=Group.ACTION)
        if self.state == REASON and self.kind:
            reasons = tuple(
                Choice(f"reason:{r}", texts.get(f"feedback.reason.{self.kind}.{r}"))
                for r in REASONS[self.kind]
            )
            return View(texts.get("feedback.choose_reason"), listing=Listing.of(reasons))
        if self.state == PHONE:
            actions = (
                Choice("submit", texts.get("feedback.submit"), group=Group.ACTION),
                Choice("skip", texts.get("feedback.skip"), group=Group.ACTION),
            )
            field = self.phone.field(texts.get("feedback.phone_prompt"))
            return View(title, input=field, choices=actions, personal=bool(self.phone.text))
        if self.state == THANKS:
            after = "feedback.callback" if self.left_phone else "feedback.no_callback"
            return View(
                texts.get("feedback.thanks"),
                lines=(texts.get(after),),
                tone=Tone.SUCCESS,
                choices=(done,),
                back=False,
            )
        if self.state == REFUSED:
            return View(title, lines=(texts.get("home.staffed_desk"),), choices=(done,))
        kinds = tuple(Choice(f"kind:{k}", texts.get(f"feedback.kind.{k}")) for k in KINDS)
        return View(texts.get("feedback.choose_kind"), listing=Listing.of(kinds))
