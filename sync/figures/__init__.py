"""The hall's figures: ONE definition of what is counted, shared by the hub and central.

Qt-free and HTTP-free. :class:`~sync.figures.fold.FigureFold` folds the hub's outbox events
into rollups (``figures_*`` tables, :data:`~sync.figures.schema.FIGURES_SQL`) in the same
transaction as the events; :func:`~sync.figures.report.report` and
:func:`~sync.figures.report.heatmap` read them; :mod:`sync.figures.export` writes a report as
an Excel workbook or CSV. The definitions are the docstrings of
:class:`~sync.figures.figures.Figures`, and docs/reports.md.
"""

from sync.figures.fold import FigureFold
from sync.figures.params import GROUPINGS, ReportError, parse_groupings, parse_range
from sync.figures.report import heatmap, report
from sync.figures.schema import FIGURES_SQL

__all__ = [
    "FIGURES_SQL",
    "GROUPINGS",
    "FigureFold",
    "ReportError",
    "heatmap",
    "parse_groupings",
    "parse_range",
    "report",
]
