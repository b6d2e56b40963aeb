"""The hub: the hall's single queue authority.

``hub.engine`` is the queue engine (pure Python over the store, no HTTP inside); ``hub.api`` the
LAN API (FastAPI) with its live event stream; ``hub.client`` the typed client every app uses.
"""
