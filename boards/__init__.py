"""The window boards and the hall display: Qt-free models of what they show (``board_model``,
``display_model``), the hub feed that drives them (``feed``, ``session``), the LED-sign and voice
followers (``sign``, ``announce``); their PySide6 views and app are in ``boards.qt``.

A board box has its own role, token and devices; nothing here imports the counter, and the
counter imports nothing from here.
"""
