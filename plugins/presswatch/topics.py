"""Topics: ``topics.yml`` loading, storage in DuckDB, and tagging articles.

:func:`tag_articles` is called after each load, in the writer connection: it indexes the
articles that are new or changed since they were last indexed and tags them with every topic,
in one transaction per batch (so a crash leaves them pending for the next call, and a re-run
changes nothing). :func:`import_topics` adds and updates topics from a file; a topic whose
query (or languages) changed gets a new version and the whole archive is re-tagged for that
topic only.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from presswatch import querylang, search
from presswatch.warehouse import rollback_quietly as _rollback
from presswatch.warehouse import sql

NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
LANG_RE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?\Z")
# articles tokenised and tagged per transaction: at 2,000 a 10,000-article cycle's tagging peaks
# at about 500 MB instead of 760 MB (50,000), for about 7% more time (docs/benchmarks.md)
BATCH_SIZE = 2_000


class TopicError(ValueError):
    """A topics file or definition that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Topic:
    name: str
    query: str
    description: str | None = None
    languages: tuple[str, ...] | None = None
    version: int = 0

    @property
    def definition_hash(self) -> str:
        payload = json.dumps([self.query.strip(), sorted(self.languages or [])], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class TagSummary:
    articles: int = 0
    indexed_new: int = 0
    indexed_changed: int = 0
    topics: int = 0
    matches_added: int = 0
    matches_removed: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retagged: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the file ----------------------------------------------------------------------------

def parse_topics(text: str, origin: str = "topics.yml") -> list[Topic]:
    """Validate a topics file: a YAML list of {name, query, description?, languages?}."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TopicError(f"{origin}: not valid YAML: {exc}") from exc
    if isinstance(data, dict) and "topics" in data:
        data = data["topics"]
    if not isinstance(data, list):
        raise TopicError(f"{origin}: expected a list of topics (each with name and query)")
    out: list[Topic] = []
    seen: set[str] = set()
    for i, entry in enumerate(data, start=1):
        where = f"{origin}: entry {i}"
        if not isinstance(entry, dict):
            raise TopicError(f"{where}: expected a mapping with name and query")
        unknown = set(entry) - {"name", "query", "description", "languages"}
        if unknown:
            raise TopicError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        name, query = entry.get("name"), entry.get("query")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise TopicError(f"{where}: name must be lower case letters, digits and _ "
                             f"(starting with a letter), got {name!r}")
        where = f"{origin}: topic {name}"
        if name in seen:
            raise TopicError(f"{where}: defined twice")
        seen.add(name)
        if not isinstance(query, str) or not query.strip():
            raise TopicError(f"{where}: query is missing")
        try:
            querylang.parse(query)
        except querylang.QueryError as exc:
            raise TopicError(f"{where}: query: {exc.describe()}") from exc
        langs = entry.get("languages")
        if langs is not None:
            if isinstance(langs, str):
                langs = [langs]
            if not isinstance(langs, list) or not all(isinstance(x, str) and LANG_RE.match(x.lower())
                                                      for x in langs):
                raise TopicError(f"{where}: languages must be a list of ISO 639-1 codes")
            langs = tuple(sorted({x.lower() for x in langs}))
        desc = entry.get("description")
        out.append(Topic(name, " ".join(query.split()), str(desc).strip() if desc else None,
                         langs or None))
    return out


def load_topics_file(path: Path | str) -> list[Topic]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise TopicError(f"{p}: cannot read: {exc.strerror}") from exc
    return parse_topics(text, str(p))


def stored_topics(con: Any) -> list[Topic]:
    return [Topic(r[0], r[1], r[2], tuple(r[3]) if r[3] else None, r[4])
            for r in con.execute(sql("load/topics_select.sql")).fetchall()]


# -- tagging -----------------------------------------------------------------------------

def _tag_staged(con: Any, topics: Sequence[Topic], corpus: querylang.Corpus) -> dict[str, int]:
    search.run_sql(con, "load/topics_create_matches.sql")
    template = sql("load/topics_insert_matches.sql")
    counts = {}
    for t in topics:
        compiled = querylang.compile_query(t.query, corpus=corpus, languages=t.languages)
        stmt = template.replace("(/*QUERY*/)", f"({compiled.sql})")
        params = {**compiled.params, "topic_name": t.name, "topic_version": t.version}
        counts[t.name] = con.execute(stmt, params).fetchone()[0]
    return counts


def tag_articles(con: Any, *, article_ids: Sequence[int] | None = None,
                 batch_size: int = BATCH_SIZE) -> TagSummary:
    """Index and tag articles: by default those new or changed since they were last indexed;
    with ``article_ids``, exactly those (re-tagged even when unchanged). Idempotent."""
    summary = TagSummary()
    t0 = time.perf_counter()
    ids = list(article_ids) if article_ids is not None else search.pending_articles(con)
    summary.seconds["select"] = round(time.perf_counter() - t0, 3)
    topics = stored_topics(con)
    summary.topics = len(topics)
    for k in range(0, len(ids), batch_size):
        chunk = ids[k:k + batch_size]
        con.execute("BEGIN TRANSACTION")
        try:
            t1 = time.perf_counter()
            info = search.stage_batch(con, chunk)
            t2 = time.perf_counter()
            counts = _tag_staged(con, topics, querylang.BATCH)
            t3 = time.perf_counter()
            now = datetime.now(UTC)
            removed, added = _apply(con, "load/topics_apply_batch.sql", {"now": now})
            search.merge_batch(con, now)
            search.drop_stage(con)
            con.execute("COMMIT")
            t4 = time.perf_counter()
        except BaseException:
            _rollback(con)
            raise
        summary.articles += info.docs
        summary.indexed_new += info.new
        summary.indexed_changed += info.changed
        summary.matches_added += added
        summary.matches_removed += removed
        for name, n in counts.items():
            summary.by_topic[name] = summary.by_topic.get(name, 0) + n
        for key, dt in (("stage", t2 - t1), ("tag", t3 - t2), ("merge", t4 - t3)):
            summary.seconds[key] = round(summary.seconds.get(key, 0.0) + dt, 3)
    return summary


def _apply(con: Any, name: str, params: dict[str, Any]) -> tuple[int, int]:
    """Run an apply script (a DELETE, then an INSERT); returns (rows removed, rows added)."""
    removed, added = search.run_sql(con, name, params)
    return int(removed[0]), int(added[0])


def retag_topic(con: Any, topic: Topic) -> int:
    """Re-tag the whole archive for one topic (inside the caller's transaction)."""
    counts = _tag_staged(con, [topic], querylang.ARCHIVE)
    _apply(con, "load/topics_apply_topic.sql", {"topic": topic.name, "now": datetime.now(UTC)})
    con.execute("DROP TABLE IF EXISTS tmp_tag_matches")
    return counts[topic.name]


def import_topics(con: Any, path: Path | str) -> ImportSummary:
    """Add and update topics from a file; re-tag the archive for new or changed ones only."""
    wanted = load_topics_file(path)
    tag_articles(con)  # the index must be current before the archive is re-tagged
    current = {t.name: t for t in stored_topics(con)}
    summary = ImportSummary()
    for t in wanted:
        old = current.get(t.name)
        langs = list(t.languages) if t.languages else None
        now = datetime.now(UTC)
        args = [t.name, t.query, t.description, langs, t.definition_hash, now]
        if old is not None and old.definition_hash == t.definition_hash:
            if old.description != t.description:
                con.execute(sql("load/topics_update.sql"), args)
            summary.unchanged.append(t.name)
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql("load/topics_insert.sql" if old is None else "load/topics_update.sql"),
                        args)
            fresh = next(x for x in stored_topics(con) if x.name == t.name)
            summary.retagged[t.name] = retag_topic(con, fresh)
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        (summary.added if old is None else summary.updated).append(t.name)
    return summary
