"""The counter app (PySide6): clerk workflows as Qt-free state machines, thin views."""
