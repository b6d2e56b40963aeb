"""Drivers for the hall's hardware: ID-card readers, printers, rating keypads, signs, speech.

Each driver is a pure codec, a transport chosen by a URL-like string, and a simulator that speaks
the same bytes. ``devices.idnumber`` holds the resident ID number rules every box shares.
"""
