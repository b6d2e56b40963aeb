"""``hall device say``: speak a text or a call with espeak-ng, or write it to a wav file.
Registered by ``hall.cli_devices``; the handler imports lazily.
"""

from __future__ import annotations

import argparse
import sys
import time
import wave
from pathlib import Path
from typing import Any

from hall.exits import EXIT_FAIL, EXIT_OK, EXIT_USAGE


def _cmd_say(args: argparse.Namespace) -> int:
    from config.schema import SpeechSettings
    from devices.errors import DeviceError
    from devices.speech.engine import EngineMissing, EspeakEngine, PlaybackFailed
    from devices.speech.text import announcement_text, call_text, recall_text

    if bool(args.call) != bool(args.window):
        print("hall device say: --call and --window go together", file=sys.stderr)
        return EXIT_USAGE
    if not args.call and not args.text:
        print("hall device say: give a TEXT or --call NUMBER --window N", file=sys.stderr)
        return EXIT_USAGE
    defaults = SpeechSettings()
    engine = EspeakEngine(
        voice=args.voice or defaults.voice,
        volume=defaults.volume if args.volume is None else args.volume,
        rate=defaults.rate if args.rate is None else args.rate,
    )
    try:
        if args.call:
            build = recall_text if args.recall else call_text
            text = build(args.call, args.window)
            repeat = defaults.repeat if args.repeat is None else args.repeat
        else:
            text = announcement_text(args.text)
            repeat = 1 if args.repeat is None else args.repeat
        if args.out:
            out = Path(args.out)
            engine.write_wav(text, out)
            with wave.open(str(out)) as wav:
                seconds = wav.getnframes() / wav.getframerate()
            print(f"wrote {out} ({seconds:.1f} s): {text}")
            return EXIT_OK
        print(text)
        for turn in range(max(1, repeat)):
            if turn:
                time.sleep(0.6)
            engine.speak(text)
    except EngineMissing as err:
        print(f"hall device say: {err}", file=sys.stderr)
        return EXIT_FAIL
    except PlaybackFailed as err:
        print(
            f"hall device say: {err}; check the sound card, or write a file with --out X.wav",
            file=sys.stderr,
        )
        return EXIT_FAIL
    except (DeviceError, OSError, wave.Error) as err:
        print(f"hall device say: {err}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def register(
    sub: argparse._SubParsersAction[Any], simulate: argparse._SubParsersAction[Any]
) -> None:
    """Add ``say`` to ``hall device``."""
    say = sub.add_parser(
        "say",
        help="用普通话播报一段文字或一次叫号，或写成 wav 文件 (speak a text or a call in Mandarin,"
        " or write it to a wav file)",
    )
    say.add_argument("text", nargs="?", help="what to say, e.g. 午间休息")
    say.add_argument("--call", metavar="NUMBER", help="say the call for this ticket, e.g. A001")
    say.add_argument("--window", type=int, metavar="N", help="the window of --call")
    say.add_argument("--recall", action="store_true", help="say --call as a recall (重呼)")
    say.add_argument(
        "--out",
        metavar="FILE.wav",
        help="写成 wav 文件而不播放 (write a wav file instead of playing)",
    )
    say.add_argument(
        "--repeat", type=int, help="times to say it (default: 2 for a call, 1 for text)"
    )
    say.add_argument("--voice", help="espeak-ng voice (default cmn-latn-pinyin)")
    say.add_argument("--volume", type=int, help="espeak-ng amplitude 0–200 (default 100)")
    say.add_argument("--rate", type=int, help="words per minute (default 150)")
    say.set_defaults(handler=_cmd_say)
