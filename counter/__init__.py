"""The counter app, window boards and hall display (PySide6): clerk workflows as Qt-free state machines, thin views."""
