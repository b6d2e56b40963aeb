"""The touch kiosk and ticket machine (PySide6): citizen journeys as Qt-free state machines, thin views."""
