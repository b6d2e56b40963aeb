"""The ticket and receipt printer: ESC/POS thermal printers at 58 mm and 80 mm.

One layout model (``layout``) feeds both the printer bytes (``escpos``) and the PNG preview
(``preview``); ``documents`` builds the hall's three slips (queue ticket, material checklist,
acceptance receipt) from it. ``status`` decodes DLE EOT replies, ``decode`` reads a job's bytes
back to text for tests and the simulator, ``transport`` (with ``usb`` and the common ``link``
interface) speaks TCP, serial, USB and ``sim://``, ``sim`` is a TCP 9100 printer simulator, and
``service`` owns the printer's one thread and reports its health.
"""
