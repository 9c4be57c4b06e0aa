"""Library schema: ordered migrations on PRAGMA user_version."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_V1 = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    doi TEXT,
    pmid TEXT,
    pmcid TEXT,
    title TEXT NOT NULL DEFAULT '',
    title_norm TEXT NOT NULL DEFAULT '',
    first_author TEXT NOT NULL DEFAULT '',
    first_author_norm TEXT NOT NULL DEFAULT '',
    journal TEXT NOT NULL DEFAULT '',
    journal_abbrev TEXT NOT NULL DEFAULT '',
    year INTEGER,
    date TEXT NOT NULL DEFAULT '',
    volume TEXT NOT NULL DEFAULT '',
    issue TEXT NOT NULL DEFAULT '',
    pages TEXT NOT NULL DEFAULT '',
    article_number TEXT NOT NULL DEFAULT '',
    issn TEXT NOT NULL DEFAULT '[]',
    publisher TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'article-journal',
    language TEXT NOT NULL DEFAULT '',
    abstract TEXT NOT NULL DEFAULT '',
    abstract_jats TEXT NOT NULL DEFAULT '',
    publication_types TEXT NOT NULL DEFAULT '[]',
    url TEXT NOT NULL DEFAULT '',
    license TEXT NOT NULL DEFAULT '',
    citation_count INTEGER,
    updates TEXT NOT NULL DEFAULT '[]',
    retracted INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    read_status TEXT NOT NULL DEFAULT 'unread',
    rating INTEGER NOT NULL DEFAULT 0,
    date_added TEXT NOT NULL,
    date_modified TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    n_figures INTEGER NOT NULL DEFAULT 0,
    n_references INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX articles_doi ON articles(doi) WHERE doi IS NOT NULL;
CREATE UNIQUE INDEX articles_pmid ON articles(pmid) WHERE pmid IS NOT NULL;
CREATE INDEX articles_title_norm ON articles(title_norm, year);
CREATE INDEX articles_year ON articles(year);
CREATE INDEX articles_date_added ON articles(date_added);
CREATE INDEX articles_first_author ON articles(first_author COLLATE NOCASE);
CREATE INDEX articles_read_status ON articles(read_status);

CREATE TABLE authors (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    family TEXT NOT NULL DEFAULT '',
    given TEXT NOT NULL DEFAULT '',
    literal TEXT NOT NULL DEFAULT '',
    orcid TEXT NOT NULL DEFAULT '',
    affiliations TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

CREATE TABLE keywords (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    term TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'author',
    qualifiers TEXT NOT NULL DEFAULT '[]',
    major INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

CREATE TABLE figures (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    legend TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

CREATE TABLE refs (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    doi TEXT NOT NULL DEFAULT '',
    pmid TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'unresolved',
    confidence REAL,
    cited_article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    parts TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
CREATE INDEX refs_cited ON refs(cited_article_id);
CREATE INDEX refs_doi ON refs(doi);

CREATE TABLE publication_types (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (article_id, name)
) WITHOUT ROWID;

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_tag ON article_tags(tag_id);

CREATE TABLE reading_lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created TEXT NOT NULL
);
CREATE TABLE reading_list_items (
    list_id INTEGER NOT NULL REFERENCES reading_lists(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, article_id)
) WITHOUT ROWID;
CREATE INDEX reading_list_items_article ON reading_list_items(article_id);

CREATE TABLE crossref_cache (
    doi TEXT PRIMARY KEY,
    fetched_at TEXT NOT NULL,
    body TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pending (
    doi TEXT PRIMARY KEY,
    reason TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    last_attempt TEXT,
    list_id INTEGER REFERENCES reading_lists(id) ON DELETE SET NULL
) WITHOUT ROWID;

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, authors, journal, abstract, keywords, legends, notes,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
"""


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    for statement in _split_statements(SCHEMA_V1):
        conn.execute(statement)


def _split_statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    """Index reference PMIDs (citation linking) and the table's sort columns (no full sort at 100k rows)."""
    conn.execute("CREATE INDEX IF NOT EXISTS refs_pmid ON refs(pmid)")
    conn.execute("CREATE INDEX IF NOT EXISTS articles_title ON articles(title COLLATE NOCASE)")
    conn.execute("CREATE INDEX IF NOT EXISTS articles_journal ON articles(journal COLLATE NOCASE)")
    conn.execute("CREATE INDEX IF NOT EXISTS articles_citation_count ON articles(citation_count)")


def _migrate_zotero(conn: sqlite3.Connection) -> None:
    """Zotero sync state: linked libraries, items, collections and conflicts."""
    from refmgr.core.zotero.store import migrate

    migrate(conn)


_SOURCE_OF_ARTICLE = (
    "(SELECT CASE a.source WHEN 'crossref' THEN 'crossref' WHEN 'medline' THEN 'pubmed' "
    "WHEN 'pubmed-page' THEN 'page' ELSE 'file' END FROM articles a WHERE a.id = article_id)"
)


def _migrate_enrichment(conn: sqlite3.Connection) -> None:
    """Provenance of keywords and legends, trial numbers, enrichment state and cached PubMed/Europe PMC replies."""
    for table in ("keywords", "figures"):  # written to be re-runnable, like the other steps
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if "source" not in columns:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN source TEXT NOT NULL DEFAULT ''")
            conn.execute(f"UPDATE {table} SET source = {_SOURCE_OF_ARTICLE}")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS trials (article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE, "
        "position INTEGER NOT NULL, accession TEXT NOT NULL, registry TEXT NOT NULL DEFAULT '', "
        "source TEXT NOT NULL DEFAULT '', PRIMARY KEY (article_id, position)) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS trials_accession ON trials(accession COLLATE NOCASE)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS enrichment ("
        "article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE, "
        "status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', checked_at TEXT NOT NULL, "
        "open_access_url TEXT NOT NULL DEFAULT '')"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS enrichment_status ON enrichment(status)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS source_cache (source TEXT NOT NULL, key TEXT NOT NULL, fetched_at TEXT NOT NULL, "
        "body TEXT NOT NULL, PRIMARY KEY (source, key)) WITHOUT ROWID"
    )


def _migrate_citing(conn: sqlite3.Connection) -> None:
    """Incomplete author lists ("Fung KFK et al."), the DOI in the case its source gave, stable cite keys."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    added = (("authors_incomplete", "INTEGER NOT NULL DEFAULT 0"), ("doi_given", "TEXT NOT NULL DEFAULT ''"))
    for name, declaration in added:
        if name not in columns:  # idempotent: a step may be re-run on a library whose version was set back
            conn.execute(f"ALTER TABLE articles ADD COLUMN {name} {declaration}")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS cite_keys (article_id INTEGER PRIMARY KEY REFERENCES articles(id) "
        "ON DELETE CASCADE, key TEXT NOT NULL UNIQUE COLLATE NOCASE)"
    )


def _migrate_attachments(conn: sqlite3.Connection) -> None:
    """Attached files (PDFs; the page of each figure's caption) with their own full-text table."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS attachments (id INTEGER PRIMARY KEY, "
        "article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE, "
        "sha256 TEXT NOT NULL, stored_name TEXT NOT NULL, original_name TEXT NOT NULL DEFAULT '', "
        "size INTEGER NOT NULL DEFAULT 0, pages INTEGER, added TEXT NOT NULL, "
        "figure_pages TEXT NOT NULL DEFAULT '{}', UNIQUE (article_id, sha256))"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS attachments_sha256 ON attachments(sha256)")
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS attachments_fts "
        "USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute(
        "CREATE TRIGGER IF NOT EXISTS attachments_fts_delete AFTER DELETE ON attachments BEGIN "
        "DELETE FROM attachments_fts WHERE rowid = old.id; END"
    )


def _migrate_reference_identifier_indexes(conn: sqlite3.Connection) -> None:
    """Index only the references that have a DOI or PMID, so citation linking stays indexed after ANALYZE.

    Almost every reference's PMID (and half the DOIs) are empty: with statistics, SQLite judged the full
    indexes useless for `pmid = ?` and scanned every reference. The partial indexes hold only non-empty
    values, so their statistics say what a look-up really costs (and they are smaller).
    """
    conn.execute("DROP INDEX IF EXISTS refs_doi")
    conn.execute("DROP INDEX IF EXISTS refs_pmid")
    conn.execute(f"CREATE INDEX IF NOT EXISTS {REFS_DOI_INDEX} ON refs(doi) WHERE doi != ''")
    conn.execute(f"CREATE INDEX IF NOT EXISTS {REFS_PMID_INDEX} ON refs(pmid) WHERE pmid != ''")


REFS_DOI_INDEX, REFS_PMID_INDEX = "refs_doi_set", "refs_pmid_set"


CHANGE_LOG = """
CREATE TABLE IF NOT EXISTS change_log (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, item_id INTEGER);
CREATE TRIGGER IF NOT EXISTS log_article_added AFTER INSERT ON articles
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('article+', new.id); END;
CREATE TRIGGER IF NOT EXISTS log_article_updated AFTER UPDATE ON articles
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('article~', new.id); END;
CREATE TRIGGER IF NOT EXISTS log_article_deleted AFTER DELETE ON articles
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('article-', old.id); END;
CREATE TRIGGER IF NOT EXISTS log_list_added AFTER INSERT ON reading_lists
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('list', new.id); END;
CREATE TRIGGER IF NOT EXISTS log_list_updated AFTER UPDATE ON reading_lists
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('list', new.id); END;
CREATE TRIGGER IF NOT EXISTS log_list_deleted AFTER DELETE ON reading_lists
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('list', old.id); END;
CREATE TRIGGER IF NOT EXISTS log_list_item_added AFTER INSERT ON reading_list_items
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('list', new.list_id); END;
CREATE TRIGGER IF NOT EXISTS log_list_item_updated AFTER UPDATE ON reading_list_items
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('list', new.list_id); END;
CREATE TRIGGER IF NOT EXISTS log_list_item_deleted AFTER DELETE ON reading_list_items
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('list', old.list_id); END;
CREATE TRIGGER IF NOT EXISTS log_tag_added AFTER INSERT ON article_tags
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('tag', new.article_id); END;
CREATE TRIGGER IF NOT EXISTS log_tag_deleted AFTER DELETE ON article_tags
    BEGIN INSERT INTO change_log (kind, item_id) VALUES ('tag', old.article_id); END;
CREATE TRIGGER IF NOT EXISTS log_pending_added AFTER INSERT ON pending
    BEGIN INSERT INTO change_log (kind) VALUES ('pending'); END;
CREATE TRIGGER IF NOT EXISTS log_pending_updated AFTER UPDATE ON pending
    BEGIN INSERT INTO change_log (kind) VALUES ('pending'); END;
CREATE TRIGGER IF NOT EXISTS log_pending_deleted AFTER DELETE ON pending
    BEGIN INSERT INTO change_log (kind) VALUES ('pending'); END;
CREATE TRIGGER IF NOT EXISTS log_prune AFTER INSERT ON change_log WHEN new.seq % 1000 = 0
    BEGIN DELETE FROM change_log WHERE seq <= new.seq - 50000; END
"""


def _add_change_log(conn: sqlite3.Connection) -> None:
    """A change log kept by triggers, so every window learns what any connection or process changed."""
    for statement in _split_statements(CHANGE_LOG):
        conn.execute(statement)


def _migrate_search(conn: sqlite3.Connection) -> None:
    """Search: the stemmed full-text index (filled from every article), saved searches, publication type look-ups."""
    from refmgr.core import stemindex

    stemindex.build(conn)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS saved_searches (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, "
        "query TEXT NOT NULL, created TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS publication_types_name ON publication_types(name COLLATE NOCASE)")
    # narrow rows for checking a search's filters on each full-text match (the articles rows are wide)
    conn.execute(
        "CREATE INDEX IF NOT EXISTS articles_filters ON articles(id, year, read_status, rating, retracted, n_figures)"
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migrate_to_1,
    _migrate_to_2,
    _migrate_zotero,
    _migrate_enrichment,
    _migrate_citing,
    _migrate_attachments,
    _migrate_reference_identifier_indexes,
    _add_change_log,
    _migrate_search,
]  # fmt: skip
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The library was written by a newer refmgr than this one."""


class SchemaUpgradeNeededError(RuntimeError):
    """A read-only library of an older schema: it cannot be migrated in place."""


def _version_not_too_new(conn: sqlite3.Connection) -> int:
    """The library's schema version; SchemaTooNewError if a newer refmgr wrote it."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"this library uses schema version {version}, but this refmgr only knows up to {SCHEMA_VERSION}; "
            "upgrade refmgr to open it"
        )
    return version


def check_version(conn: sqlite3.Connection) -> None:
    """For a library opened read-only: SchemaTooNewError if too new, SchemaUpgradeNeededError if too old."""
    version = _version_not_too_new(conn)
    if version < SCHEMA_VERSION:
        raise SchemaUpgradeNeededError(
            f"this read-only library uses the older schema version {version}; make the file writable once so "
            "refmgr can upgrade it"
        )


def migrate(conn: sqlite3.Connection, before_migration: Callable[[int], None] | None = None) -> int:
    """Bring the schema to SCHEMA_VERSION in one exclusive transaction; return the old version."""
    version = _version_not_too_new(conn)
    if version == SCHEMA_VERSION:
        return version
    if before_migration is not None and version > 0:
        before_migration(version)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        # another process may have migrated while this one waited for the lock
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step in MIGRATIONS[version:]:
            step(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version
