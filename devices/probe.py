"""Probe a configured device once, through its real driver, for ``hall doctor`` and
``hall provision``: start the device's own service, wait for its first verdict, stop it.

Going through the services (not a second copy of each driver's error handling) means the
doctor says exactly what the kiosk's staff screen would say.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from config.schema import DeviceSettings
from devices.errors import DeviceError
from devices.health import Health, HealthState

PROBE_KINDS = ("idcard", "printer", "keypad", "sign", "speech")


def _settled(health: Health) -> bool:
    # A fresh tracker says ABSENT with no problem text; every real verdict names its problem.
    return health.state is not HealthState.ABSENT or bool(health.problem)


def _wait(device: str, health: Callable[[], Health], timeout: float) -> Health:
    deadline = time.monotonic() + timeout
    while True:
        current = health()
        if _settled(current):
            return current
        if time.monotonic() >= deadline:
            return _no_answer(device, timeout)
        time.sleep(0.02)


def _no_answer(device: str, timeout: float) -> Health:
    return Health(
        device,
        HealthState.ERROR,
        "设备检测超时",
        "检查设备电源和连线",
        f"no verdict from the device within {timeout:.0f} s",
    )


def _bad_address(device: str, err: DeviceError) -> Health:
    return Health(device, HealthState.ERROR, "设备地址配置有误", "修改配置中的设备地址", str(err))


def probe(kind: str, settings: DeviceSettings, timeout: float = 5.0) -> Health:
    """Health of the ``kind`` device configured in ``settings`` (one of PROBE_KINDS).

    Never raises for a device fault: a malformed address or a broken device comes back as an
    error Health with a Chinese problem and advice and an English detail.
    """
    try:
        return _PROBES[kind](settings, timeout)
    except DeviceError as err:
        return _bad_address(kind, err)


def _probe_idcard(settings: DeviceSettings, timeout: float) -> Health:
    from devices.idcard.service import IdCardReaderService

    if not settings.idcard:
        raise DeviceError("no idcard address configured")
    service = IdCardReaderService(settings.idcard, lambda _event: None, reconnect_min=timeout)
    service.start()
    try:
        return _wait("idcard", lambda: service.health, timeout)
    finally:
        service.stop(timeout=2.0)


def _probe_printer(settings: DeviceSettings, timeout: float) -> Health:
    from concurrent.futures import TimeoutError as FutureTimeout

    from devices.printer.service import PrinterService

    if not settings.printer:
        raise DeviceError("no printer address configured")
    service = PrinterService(settings.printer).start()
    try:
        return service.check().result(timeout)
    except FutureTimeout:
        return _no_answer("printer", timeout)
    finally:
        service.stop(timeout=2.0)


def _probe_keypad(settings: DeviceSettings, timeout: float) -> Health:
    from devices.keypad.keys import KeyMap
    from devices.keypad.service import KeypadService, open_keypad_source

    if not settings.keypad:
        raise DeviceError("no keypad address configured")
    keys = settings.keypad_keys
    service = KeypadService(open_keypad_source(settings.keypad, keys), KeyMap(keys))
    service.start()
    try:
        return _wait("keypad", lambda: service.health, timeout)
    finally:
        service.stop()


def _probe_sign(settings: DeviceSettings, timeout: float) -> Health:
    from devices.sign.service import open_sign

    sign = open_sign(settings.sign)
    sign.start()
    try:
        return _wait("sign", lambda: sign.health, timeout)
    finally:
        sign.close()


def _probe_speech(settings: DeviceSettings, timeout: float) -> Health:
    from devices.speech.service import SpeechService

    service = SpeechService(settings.speech, play=False)
    service.start()
    try:
        return _wait("speech", lambda: service.health, timeout)
    finally:
        service.stop(timeout=2.0)


_PROBES: dict[str, Callable[[DeviceSettings, float], Health]] = {
    "idcard": _probe_idcard,
    "printer": _probe_printer,
    "keypad": _probe_keypad,
    "sign": _probe_sign,
    "speech": _probe_speech,
}
