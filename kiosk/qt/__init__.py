"""The kiosk's Qt views: one generic screen view over ``kiosk.journeys.base.Screen``, the
built-in keyboard, the main window (workers, timers, the maintenance gesture) and the tour that
renders every screen to PNG. The state machines live in ``kiosk.app_model`` and
``kiosk.journeys``; nothing here decides what a citizen may do."""
