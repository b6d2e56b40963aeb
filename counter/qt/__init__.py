"""The counter app's Qt views (PySide6): the main window, its dialogs, shortcuts and the tour."""
