"""Leaderboards: entries with provenance, a Table model and pure renderers.

* :mod:`.entries` loads and validates ``<DIR>/<benchmark>/<split>/<method>.json`` entries
  (``reported`` numbers with their citation, or ``reproduced`` ovbench results pinned by hash);
* :mod:`.table` builds the :class:`~.table.Table` model (sections by kind and protocol, best
  per column);
* :mod:`.render` and :mod:`.html` draw it as Markdown, LaTeX, CSV, JSON or an HTML page;
* :mod:`.significance` marks reproduced values within noise of their column's best (paired
  bootstrap via :func:`ovbench.stats.compare`);
* :mod:`.readme` writes the leaderboard folder's README.md.
"""

from .entries import Entry, add_reproduced, load_entries, load_entry
from .render import FORMATS, render
from .significance import SignificanceOptions
from .table import Table, build_table

__all__ = ["FORMATS", "Entry", "Table", "add_reproduced", "build_table", "load_entries", "load_entry", "render",
           "SignificanceOptions"]
