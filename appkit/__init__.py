"""What the hall's Qt apps share: the settings an app starts with (``appkit.startup``), one
QApplication with the hall font (``appkit.qtapp``), style — colours, fonts, spacing — one
clock/date format, and a free loopback port for tours (``appkit.net``).

``appkit.style`` is plain Python (no Qt), so a Qt-free model may format the clock with it;
``appkit.fonts`` picks the installed CJK font and makes ``QFont`` objects. The kiosk, the
counter, the window boards and the hall display draw with these; none of ``config``, ``hub``,
``sync`` or ``devices`` imports this package, and it imports none of the apps, ``hub`` or ``hall``.
"""
