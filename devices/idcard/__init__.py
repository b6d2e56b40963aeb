"""Resident ID-card reader (GA 450 / GA 467 SAM module) on serial or USB bulk, and its simulator.

The pieces, from bytes up:

- ``frames``: the ``AA AA AA 96 69`` frame codec (pure, incremental, fuzzed);
- ``card`` and ``nations``: the 256-byte text block of the four card kinds as a typed ``IdCard``;
- ``commands`` and ``errors``: the SAM command set, its status codes and what each one means;
- ``transport``: ``serial:///dev/x?baud=115200``, a bare path, ``usb://0400:c35a``, ``sim://idcard``;
- ``usbids``: the USB IDs of readers (USB-serial bridges and SAM modules), with their sources;
- ``session``: one command at a time over a transport, each with a bounded time limit;
- ``sim``: a pty-backed reader that answers the real protocol, for demos and tests;
- ``service``: the one thread that polls the reader, emits one event per presented card and
  reports health.

An ID number is sensitive personal information: it lives only in memory, in ``IdCard``, and
never in a log line or a ``repr``.
"""
