"""Tests of the boards' Qt views and app."""
