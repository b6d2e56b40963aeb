"""The boards' Qt views (PySide6): the window board, the hall display and the app that runs them."""
