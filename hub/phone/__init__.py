"""The citizen's phone page: a ticket's (or a case's) own live page, opened from its QR code.

:mod:`hub.phone.links` numbers each ticket and case with an unguessable code, :mod:`hub.phone.views`
says what a page shows, :mod:`hub.phone.stream` pushes a ticket's changes to its open pages, and
:mod:`hub.phone.routes` serves ``/m/{code}`` (docs/phone.md).
"""
