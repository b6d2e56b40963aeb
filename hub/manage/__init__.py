"""The manager's console, served by the hub at ``/manage/``: server-rendered pages (Jinja2
templates in ``templates/``, styles and scripts in ``static/``, Apache ECharts vendored in
``static/vendor/``) for the hall's manager, supervisor and technician.

:func:`hub.manage.routes.install_console` adds it to the hub's app; pages are built with
:class:`hub.manage.console.Console` (``app.state.console``).
"""
