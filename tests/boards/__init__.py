"""Tests of the window boards and the hall display (models, feed, sessions, followers)."""
