"""What the hall's Qt apps share: style — colours, fonts, spacing — and one clock/date format.

``appkit.style`` is plain Python (no Qt), so a Qt-free model may format the clock with it;
``appkit.fonts`` picks the installed CJK font and makes ``QFont`` objects. The kiosk, the
counter, the window boards and the hall display draw with these; none of ``config``, ``hub``,
``sync`` or ``devices`` imports this package, and it imports none of the apps.
"""
