"""The apps' shared style: one clock format in the hall's zone, a palette whose every text
colour reads at 4.5:1, and the CJK font chosen in order of preference."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from appkit.style import ELDER, NORMAL, Palette, choose_family, clock_text, contrast_ratio

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_clock_reads_month_day_weekday_and_minutes() -> None:
    assert clock_text(datetime(2026, 12, 7, 10, 26, 59, tzinfo=SHANGHAI)) == "12月7日 星期一 10:26"
    assert clock_text(datetime(2026, 1, 4, 8, 5, tzinfo=SHANGHAI)) == "1月4日 星期日 08:05"


def test_the_clock_shows_the_hall_zone_of_an_aware_time_and_refuses_a_naive_one() -> None:
    # 2026-12-06 18:30 UTC is already Monday morning in Shanghai.
    moment = datetime(2026, 12, 6, 18, 30, tzinfo=UTC).astimezone(SHANGHAI)
    assert clock_text(moment) == "12月7日 星期一 02:30"
    with pytest.raises(ValueError, match="aware"):
        clock_text(datetime(2026, 12, 7, 10, 26))


@pytest.mark.parametrize("palette", [NORMAL, ELDER], ids=["normal", "elder"])
def test_every_text_colour_of_the_shared_palette_reads_at_4_5_to_1(palette: Palette) -> None:
    low = {
        name: round(contrast_ratio(fg, bg), 2)
        for name, (fg, bg) in palette.text_pairs().items()
        if contrast_ratio(fg, bg) < 4.5
    }
    assert not low


def test_the_main_action_is_never_the_error_colour() -> None:
    for palette in (NORMAL, ELDER):
        assert palette.action != palette.error


def test_noto_sans_cjk_is_preferred_and_wenquanyi_is_the_fallback() -> None:
    assert choose_family(["WenQuanYi Micro Hei", "Noto Sans CJK SC"]) == "Noto Sans CJK SC"
    assert choose_family(["DejaVu Sans", "WenQuanYi Micro Hei"]) == "WenQuanYi Micro Hei"
    assert choose_family([]) == "WenQuanYi Micro Hei"
