"""The window sign above each counter: an RS-485 Modbus-RTU numeric LED display, or the board.

``modbus`` is the frame codec, ``display`` the register convention hallkit uses on top of it,
``transport`` the serial line, ``sim`` a sign on a pty, and ``service`` the ``Sign`` the counter
app drives (``ModbusSign`` with its own thread, or ``BoardSign`` when an HDMI/TV board shows it).
"""
