"""The citizen journeys of the kiosk as Qt-free state machines (one module per journey) and the
plumbing they share (``base``: screens as data, events, pending work, paging, idle time)."""
