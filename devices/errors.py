"""Errors of the ``devices`` package: one base, one subclass per kind of trouble."""

from __future__ import annotations


class DeviceError(Exception):
    """Base error of every driver. ``str(err)`` is a sentence a technician can act on."""


class DeviceAddressError(DeviceError, ValueError):
    """A device address (``serial:///dev/x``, ``usb://0400:c35a``, ``sim://…``) is malformed."""


class DeviceAbsent(DeviceError):
    """The device is not there: unplugged, no such port, connection refused."""


class DeviceTimeout(DeviceError):
    """The device did not answer within the command's time limit."""


class DecodeError(DeviceError):
    """Bytes from a device do not form a valid frame or record. Codecs raise only this."""
