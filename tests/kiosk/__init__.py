"""Tests of the kiosk core (no Qt): search, catalog copy, texts, journeys, app model."""
