"""Notices (通报): parsers per format → a common table form → proposed adoptions → a person confirms.

For the crawler: `save_crawled(db, settings, page_html, url, fetched_at, attachments=[(url, bytes, filename)])`.
"""

from tracker.notices.service import (
    Context,
    Incoming,
    Outcome,
    import_file,
    ingest,
    load_context,
    save_crawled,
)

__all__ = ["Context", "Incoming", "Outcome", "import_file", "ingest", "load_context", "save_crawled"]
