"""Fault tests of the uplink: a real central process, a real hub process, faults in between."""
