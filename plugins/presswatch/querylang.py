"""The topic/search query language: lexer, parser, AST and a compiler to DuckDB SQL.

Grammar (precedence NOT > NEAR > AND > OR; operators are upper case)::

    query    := or EOF
    or       := and ("OR" and)*
    and      := not (["AND"] not)*                 -- juxtaposition is AND
    not      := "NOT" not | near
    near     := primary ["NEAR/" n primary]       -- operands: term, phrase or (a OR b ...) of them
    primary  := "(" or ")" | FIELD ":" primary | TERM | "PHRASE"
    FIELD    := title | lang | domain | source

Text is matched through the inverted index kept by :mod:`presswatch.search`: words of Latin and
other spaced scripts are whole-word and case-insensitive (``water`` never matches ``waterfront``;
``water*`` does); Chinese and Japanese runs are indexed as overlapping character bigrams, so
``処理水`` matches any text containing it, with no tokenizer to install. The compiler emits SQL
in which every value from the query is a bound parameter; the only literals are integers the
compiler itself generated (key numbers and token offsets).
"""

# ruff: noqa: S608 - this module is the SQL generator: table names come from the fixed Corpus
# constants, literals are compiler-generated integers, every query value is a $parameter.
from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_QUERY_CHARS = 4000
MAX_LEAVES = 150
MAX_DEPTH = 32
MAX_NEAR = 100
MIN_PREFIX = 3
MAX_TERM_CHARS = 100
FIELDS = ("title", "lang", "domain", "source")

# Chinese/Japanese code points (kept in step with sql/load/topics_stage_tokens.sql).
_CJK_RANGES = ((0x3005, 0x3005), (0x3007, 0x3007), (0x3040, 0x30FF), (0x31F0, 0x31FF),
               (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F),
               (0x20000, 0x3134F))


class QueryError(ValueError):
    """A query that cannot be used; ``position`` is a 0-based offset into ``query``."""

    def __init__(self, message: str, query: str = "", position: int = 0,
                 expected: str | None = None) -> None:
        self.message, self.query, self.position, self.expected = message, query, position, expected
        super().__init__(self.describe())

    def describe(self) -> str:
        head = f"{self.message} (at position {self.position})"
        if not self.query or len(self.query) > 200:
            return head
        return f"{head}\n  {self.query}\n  {' ' * self.position}^"


# -- text tokens (the same rules as the SQL tokenizer) -------------------------------------

def _cls(ranges: Sequence[tuple[int, int]]) -> str:
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)


def is_cjk(cp: int) -> bool:
    return any(a <= cp <= b for a, b in _CJK_RANGES)


@functools.lru_cache(maxsize=1)
def _token_re() -> re.Pattern[str]:
    ranges: list[tuple[int, int]] = []
    start = prev = -2
    for cp in (*range(0x20000), *range(0xE0000, 0xE01F0)):
        if unicodedata.category(chr(cp))[0] in "LMN" and not is_cjk(cp):
            if cp != prev + 1:
                if start >= 0:
                    ranges.append((start, prev))
                start = cp
            prev = cp
    ranges.append((start, prev))
    return re.compile(f"([{_cls(_CJK_RANGES)}]+)|[{_cls(ranges)}]+")


def normalize(text: str) -> str:
    """NFC, then lower case one code point at a time (as DuckDB's ``lower``)."""
    text = unicodedata.normalize("NFC", text)
    if "Σ" in text or "İ" in text or "ẞ" in text:
        return "".join((c.lower() or c)[0] for c in text)
    return text.lower()


@dataclass(frozen=True)
class TextToken:
    term: str
    pos: int
    start: int  # character offsets in the normalised text
    end: int
    cjk: bool


def tokenize(text: str) -> list[TextToken]:
    """Index tokens: words, and for CJK runs one token per character (it and the next one)."""
    out: list[TextToken] = []
    pos = 0
    norm = normalize(text)
    for m in _token_re().finditer(norm):
        if m.group(1):
            run = m.group(1)
            for i in range(len(run)):
                s = m.start() + i
                out.append(TextToken(run[i:i + 2], pos, s, min(s + 2, m.end()), True))
                pos += 1
        else:
            out.append(TextToken(m.group(0), pos, m.start(), m.end(), False))
            pos += 1
    return out


# -- AST ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tok:
    term: str
    offset: int
    prefix: bool


@dataclass(frozen=True)
class Text:
    """A word, phrase or CJK string: tokens at fixed offsets (a phrase when more than one)."""
    tokens: tuple[Tok, ...]
    width: int
    label: str
    position: int = 0
    title_only: bool = False


@dataclass(frozen=True)
class Near:
    left: tuple[Text, ...]
    right: tuple[Text, ...]
    distance: int
    label: str
    position: int = 0


@dataclass(frozen=True)
class Meta:
    field: str  # lang | domain | source
    value: str
    prefix: bool
    label: str
    position: int = 0


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Text | Near | Meta | And | Or | Not


def leaves(node: Node) -> list[Text | Near | Meta]:
    if isinstance(node, And | Or):
        return [leaf for item in node.items for leaf in leaves(item)]
    if isinstance(node, Not):
        return leaves(node.item)
    return [node]


# -- lexer -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lexeme:
    kind: str  # TERM PHRASE LPAREN RPAREN AND OR NOT NEAR FIELD EOF
    text: str
    position: int
    value: int = 0


_NEAR_RE = re.compile(r"NEAR/(\d{1,6})\Z")
_WORD_END = set(' \t\r\n\f\v()"\u3000')


def lex(query: str) -> list[Lexeme]:
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(query)} characters; at most {MAX_QUERY_CHARS})",
                         "", 0)
    out: list[Lexeme] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(Lexeme("LPAREN" if c == "(" else "RPAREN", c, i))
            i += 1
        elif c == '"':
            j = query.find('"', i + 1)
            if j < 0:
                raise QueryError("unterminated phrase", query, i, 'a closing "')
            out.append(Lexeme("PHRASE", query[i + 1:j], i))
            i = j + 1
        else:
            j = i
            while j < n and query[j] not in _WORD_END and not query[j].isspace():
                j += 1
            word = query[i:j]
            head, colon, rest = word.partition(":")
            while colon and rest and head.lower() in FIELDS:  # title:lang:en -> two fields
                out.append(Lexeme("FIELD", head.lower(), i))
                i += len(head) + 1
                word = rest
                head, colon, rest = word.partition(":")
            near = _NEAR_RE.match(word)
            if word in ("AND", "OR", "NOT"):
                out.append(Lexeme(word, word, i))
            elif near:
                out.append(Lexeme("NEAR", word, i, int(near.group(1))))
            elif word.startswith("NEAR/") or word == "NEAR":
                raise QueryError("NEAR needs a distance", query, i, "NEAR/n with n a whole number")
            elif colon and head.lower() in FIELDS:
                out.append(Lexeme("FIELD", head.lower(), i))
                if rest:
                    out.append(Lexeme("TERM", rest, i + len(head) + 1))
            elif colon and head.isascii() and head.isalpha():
                raise QueryError(f"unknown field {head!r}", query, i,
                                 "one of " + ", ".join(f"{f}:" for f in FIELDS))
            else:
                out.append(Lexeme("TERM", word, i))
            i = j
    out.append(Lexeme("EOF", "", n))
    return out


# -- parser ------------------------------------------------------------------------------

_OPERAND = "a term, a phrase, a field or '('"


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.lexemes = lex(query)
        self.i = 0
        self.depth = 0
        self.scope: str | None = None

    def peek(self) -> Lexeme:
        return self.lexemes[self.i]

    def take(self) -> Lexeme:
        lx = self.lexemes[self.i]
        self.i += 1
        return lx

    def fail(self, what: str, lx: Lexeme | None = None) -> QueryError:
        lx = lx or self.peek()
        found = "the end of the query" if lx.kind == "EOF" else repr(lx.text if lx.kind != "PHRASE" else f'"{lx.text}"')
        return QueryError(f"expected {what}, found {found}", self.query, lx.position, what)

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            raise QueryError("empty query", self.query, 0, _OPERAND)
        node = self.parse_or()
        if self.peek().kind != "EOF":
            if self.peek().kind == "RPAREN":
                raise QueryError("unbalanced ')'", self.query, self.peek().position,
                                 "an operator or the end of the query")
            raise self.fail("an operator or the end of the query")
        if len(leaves(node)) > MAX_LEAVES:
            raise QueryError(f"query too large ({len(leaves(node))} terms; at most {MAX_LEAVES})",
                             self.query, 0)
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek().kind == "OR":
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_not()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
            elif kind not in ("TERM", "PHRASE", "LPAREN", "FIELD", "NOT"):
                break
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Node:
        if self.peek().kind == "NOT":
            self.take()
            self.enter()
            try:
                return Not(self.parse_not())
            finally:
                self.depth -= 1
        return self.parse_near()

    def parse_near(self) -> Node:
        start = self.peek()
        left = self.parse_primary()
        if self.peek().kind != "NEAR":
            return left
        op = self.take()
        if not 1 <= op.value <= MAX_NEAR:
            raise QueryError(f"NEAR distance must be between 1 and {MAX_NEAR}", self.query,
                             op.position, f"NEAR/1 .. NEAR/{MAX_NEAR}")
        right_lx = self.peek()
        right = self.parse_primary()
        if self.peek().kind == "NEAR":
            raise QueryError("NEAR cannot be chained; combine pairs with AND", self.query,
                             self.peek().position, "AND")
        sides = (self.near_operand(left, start), self.near_operand(right, right_lx))
        label = f"{_label(sides[0])} NEAR/{op.value} {_label(sides[1])}"
        return Near(sides[0], sides[1], op.value, label, op.position)

    def near_operand(self, node: Node, lx: Lexeme) -> tuple[Text, ...]:
        items = node.items if isinstance(node, Or) else (node,)
        if all(isinstance(x, Text) for x in items):
            return tuple(x for x in items if isinstance(x, Text))
        raise QueryError("NEAR needs a term, a phrase or (a OR b ...) of them on each side",
                         self.query, lx.position, "a term or a phrase")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"query nested too deeply (at most {MAX_DEPTH} levels)",
                             self.query, self.peek().position)

    def parse_primary(self) -> Node:
        lx = self.peek()
        if lx.kind == "LPAREN":
            self.take()
            self.enter()
            node = self.parse_or()
            if self.peek().kind != "RPAREN":
                raise self.fail(f"')' to close the '(' at position {lx.position}")
            self.take()
            self.depth -= 1
            return node
        if lx.kind == "FIELD":
            self.take()
            if self.scope:
                raise QueryError("field scopes cannot be nested", self.query, lx.position,
                                 "a term or a phrase")
            if self.peek().kind not in ("TERM", "PHRASE", "LPAREN", "FIELD"):
                raise self.fail(f"a term, a phrase or '(' after {lx.text}:")
            self.scope = lx.text
            try:
                node = self.parse_primary()
            finally:
                self.scope = None
            return _scope_title(node) if lx.text == "title" else node
        if lx.kind in ("TERM", "PHRASE"):
            self.take()
            if self.scope in ("lang", "domain", "source"):
                return self.meta(lx, self.scope)
            return self.text(lx)
        raise self.fail(_OPERAND)

    def meta(self, lx: Lexeme, field: str) -> Meta:
        value = lx.text.strip().lower()
        prefix = value.endswith("*")
        value = value.rstrip("*") if prefix else value
        if not value or "*" in value:
            raise QueryError(f"{field}: needs a value (a trailing * is allowed)", self.query,
                             lx.position, f"a {field} value")
        if field == "lang":
            value = value.replace("_", "-")
        shown = f'"{lx.text}"' if lx.kind == "PHRASE" else lx.text
        return Meta(field, value, prefix, f"{field}:{shown}", lx.position)

    def text(self, lx: Lexeme) -> Text:
        words = lx.text.split() if lx.kind == "PHRASE" else [lx.text]
        if not words:
            raise QueryError("empty phrase", self.query, lx.position, "words inside the quotes")
        tokens: list[Tok] = []
        base = 0
        for w in words:
            toks, width = self.word_tokens(w, lx, lx.kind == "PHRASE")
            tokens += [dataclasses.replace(t, offset=t.offset + base) for t in toks]
            base += width
        if not tokens:
            raise QueryError(f"{lx.text!r} has no letters or digits to search for", self.query,
                             lx.position, "a word")
        label = f'"{lx.text}"' if lx.kind == "PHRASE" else lx.text
        return Text(tuple(tokens), base, label, lx.position)

    def word_tokens(self, word: str, lx: Lexeme, in_phrase: bool) -> tuple[list[Tok], int]:
        if word.startswith("*"):
            raise QueryError("leading wildcards are not supported", self.query, lx.position,
                             "a word before the *")
        if not in_phrase and word.startswith("-") and len(word) > 1 and word[1].isalnum():
            raise QueryError("use NOT to exclude a term", self.query, lx.position, "NOT term")
        prefix = word.endswith("*")
        stem = word[:-1] if prefix else word
        if "*" in stem:
            raise QueryError("a wildcard is only allowed at the end of a word", self.query,
                             lx.position, "term*")
        if len(stem) > MAX_TERM_CHARS:
            raise QueryError(f"term too long (at most {MAX_TERM_CHARS} characters)",
                             self.query, lx.position)
        raw = tokenize(stem)
        if not raw and in_phrase:
            return [], 0
        if not raw:
            raise QueryError(f"{word!r} has no letters or digits to search for", self.query,
                             lx.position, "a word")
        out: list[Tok] = []
        for k, t in enumerate(raw):
            if t.cjk and len(t.term) == 1 and not (k > 0 and raw[k - 1].cjk and raw[k - 1].end > t.start):
                out.append(Tok(t.term, t.pos, True))  # a lone CJK character: any token starting with it
            elif t.cjk and len(t.term) == 1:
                continue  # the run's last character is covered by the bigram before it
            else:
                is_prefix = prefix and k == len(raw) - 1 and not t.cjk
                if is_prefix and len(t.term) < MIN_PREFIX:
                    raise QueryError(f"a wildcard needs at least {MIN_PREFIX} letters before the *",
                                     self.query, lx.position, f"{'x' * MIN_PREFIX}*")
                out.append(Tok(t.term, t.pos, is_prefix))
        return out, raw[-1].pos + 1


def _label(texts: tuple[Text, ...]) -> str:
    return texts[0].label if len(texts) == 1 else "(" + " OR ".join(t.label for t in texts) + ")"


def _scope_title(node: Node) -> Node:
    if isinstance(node, Text):
        return dataclasses.replace(node, title_only=True, label=f"title:{node.label}")
    if isinstance(node, Near):
        return dataclasses.replace(node, left=tuple(_scope_title(t) for t in node.left),  # type: ignore[misc]
                                   right=tuple(_scope_title(t) for t in node.right),  # type: ignore[misc]
                                   label=f"title:({node.label})")
    if isinstance(node, And | Or):
        return type(node)(tuple(_scope_title(x) for x in node.items))
    if isinstance(node, Not):
        return Not(_scope_title(node.item))
    return node


def parse(query: str) -> Node:
    """Parse a query; raises :class:`QueryError` with the position and what was expected."""
    if not isinstance(query, str):
        raise QueryError("a query must be a string")
    return _Parser(query).parse()


def positive_leaves(node: Node, positive: bool = True) -> list[Text | Near | Meta]:
    if isinstance(node, Not):
        return positive_leaves(node.item, not positive)
    if isinstance(node, And | Or):
        return [x for item in node.items for x in positive_leaves(item, positive)]
    return [node] if positive else []


def _could_match_without_text(node: Node) -> bool | None:
    """Kleene logic with every text leaf false and metadata unknown (None)."""
    if isinstance(node, Text | Near):
        return False
    if isinstance(node, Meta):
        return None
    if isinstance(node, Not):
        v = _could_match_without_text(node.item)
        return None if v is None else not v
    values = [_could_match_without_text(x) for x in node.items]
    if isinstance(node, And):
        return False if False in values else (True if all(values) else None)
    return True if True in values else (False if all(v is False for v in values) else None)


# -- compiler ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Corpus:
    """Index tables a query runs against (names from this fixed set only, never user input)."""
    docs: str
    terms: str
    postings: str


ARCHIVE = Corpus("search_docs", "search_terms", "search_postings")
BATCH = Corpus("tmp_tag_docs", "tmp_tag_terms", "tmp_tag_postings")


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: dict[str, Any]
    labels: tuple[str, ...]


def compile_query(query: str | Node, *, corpus: Corpus = ARCHIVE,
                  languages: Sequence[str] | None = None, since: datetime | None = None,
                  rank: bool = False, limit: int | None = None) -> Compiled:
    """SQL returning ``article_id, doc_id, matched`` (and ``score`` when ``rank``)."""
    if corpus not in (ARCHIVE, BATCH):
        raise ValueError("unknown corpus")
    node = parse(query) if isinstance(query, str) else query
    return _Compiler(node, corpus).build(languages, since, rank, limit)


class _Compiler:
    def __init__(self, node: Node, corpus: Corpus) -> None:
        self.node, self.c = node, corpus
        self.params: dict[str, Any] = {}
        self.keys: dict[tuple[str, bool], int] = {}
        self.ctes: list[str] = []
        self.flags: list[str] = []
        self.leaf_sql: dict[int, str] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def key(self, tok: Tok) -> int:
        return self.keys.setdefault((tok.term, tok.prefix), len(self.keys))

    def spans(self, text: Text) -> str:
        name = f"s{len(self.ctes)}"
        t0 = text.tokens[0]
        sel = (f"SELECT h0.doc_id, h0.field, h0.pos - {t0.offset} AS s, "
               f"h0.pos - {t0.offset} + {text.width - 1} AS e FROM hits h0")
        for j, t in enumerate(text.tokens[1:], start=1):
            sel += (f" JOIN hits h{j} ON h{j}.doc_id = h0.doc_id AND h{j}.field = h0.field"
                    f" AND h{j}.key = {self.key(t)} AND h{j}.pos = h0.pos + {t.offset - t0.offset}")
        sel += f" WHERE h0.key = {self.key(t0)}" + (" AND h0.field = 0" if text.title_only else "")
        self.ctes.append(f"{name} AS ({sel})")
        return name

    def leaf(self, leaf: Text | Near | Meta) -> str:
        if id(leaf) in self.leaf_sql:
            return self.leaf_sql[id(leaf)]
        if isinstance(leaf, Text) and len(leaf.tokens) == 1:
            cond = f"key = {self.key(leaf.tokens[0])}" + (" AND field = 0" if leaf.title_only else "")
            flag = f"f{len(self.flags)}"
            self.flags.append(f"bool_or({cond}) AS {flag}")
            sql = f"coalesce(f.{flag}, false)"
        elif isinstance(leaf, Text):
            sql = f"d.doc_id IN (SELECT doc_id FROM {self.spans(leaf)})"
        elif isinstance(leaf, Near):
            left = " UNION ALL ".join(f"SELECT * FROM {self.spans(t)}" for t in leaf.left)
            right = " UNION ALL ".join(f"SELECT * FROM {self.spans(t)}" for t in leaf.right)
            n = self.bind(leaf.distance)
            name = f"n{len(self.ctes)}"
            self.ctes.append(
                f"{name} AS (SELECT DISTINCT a.doc_id FROM ({left}) a JOIN ({right}) b"
                f" ON a.doc_id = b.doc_id AND a.field = b.field AND b.s - a.e <= {n}"
                f" AND a.s - b.e <= {n})")
            sql = f"d.doc_id IN (SELECT doc_id FROM {name})"
        else:
            col = {"lang": "d.language", "domain": "d.domain", "source": "lower(d.source)"}[leaf.field]
            v = self.bind(leaf.value)
            if leaf.prefix:
                sql = f"coalesce(starts_with({col}, {v}), false)"
            elif leaf.field == "domain":
                sql = f"coalesce({col} = {v} OR ends_with({col}, '.' || {v}), false)"
            elif leaf.field == "lang":
                sql = f"coalesce({col} = {v} OR starts_with({col}, {v} || '-'), false)"
            else:
                sql = f"coalesce({col} = {v}, false)"
        self.leaf_sql[id(leaf)] = sql
        return sql

    def expr(self, node: Node) -> str:
        if isinstance(node, And):
            return "(" + " AND ".join(self.expr(x) for x in node.items) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.expr(x) for x in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.expr(node.item)})"
        return self.leaf(node)

    def build(self, languages: Sequence[str] | None, since: datetime | None, rank: bool,
              limit: int | None) -> Compiled:
        where = self.expr(self.node)
        shown = [x for x in dict.fromkeys(positive_leaves(self.node)) if not isinstance(x, Meta)]
        matched = ", ".join(f"CASE WHEN {self.leaf(x)} THEN {self.bind(x.label)} END" for x in shown)
        keys = sorted(self.keys.items(), key=lambda kv: kv[1])
        pk, pt, pp = (self.bind([k for _, k in keys]), self.bind([t for (t, _), _ in keys]),
                      self.bind([p for (_, p), _ in keys]))
        c = self.c
        head = [
            f"qk AS (SELECT unnest(CAST({pk} AS INTEGER[])) AS key, unnest(CAST({pt} AS VARCHAR[]))"
            f" AS term, unnest(CAST({pp} AS BOOLEAN[])) AS prefix)",
            f"wanted AS (SELECT qk.key, t.term_id FROM {c.terms} t JOIN qk ON t.term = qk.term"
            f" WHERE NOT qk.prefix UNION ALL SELECT qk.key, t.term_id FROM {c.terms} t JOIN qk"
            f" ON starts_with(t.term, qk.term) WHERE qk.prefix)",
            f"hits AS MATERIALIZED (SELECT w.key, p.doc_id, p.field, p.pos FROM {c.postings} p"
            f" JOIN wanted w ON p.term_id = w.term_id)",
            "f AS (SELECT doc_id" + "".join(f", {x}" for x in self.flags) + " FROM hits GROUP BY doc_id)",
        ]
        universe = _could_match_without_text(self.node) is not False
        source = (f"{c.docs} d LEFT JOIN f ON f.doc_id = d.doc_id" if universe
                  else f"f JOIN {c.docs} d ON d.doc_id = f.doc_id")
        filters = [where]
        if languages:
            filters.append(f"list_contains(CAST({self.bind([x.lower() for x in languages])} AS VARCHAR[]), d.language)")
        if since is not None:
            filters.append(f"d.ts >= {self.bind(since)}")
        matched_sql = (f"list_filter([{matched}], x -> x IS NOT NULL)" if matched
                       else "CAST([] AS VARCHAR[])")
        cols = f"d.article_id, d.doc_id, {matched_sql} AS matched"
        tail = ""
        if rank:
            pos_keys = sorted({self.key(t) for x in shown for tx in _texts(x) for t in tx.tokens})
            keyset = self.bind(pos_keys)
            head += [
                f"tf AS (SELECT doc_id, key, field, count(*) AS tf FROM hits WHERE"
                f" list_contains(CAST({keyset} AS INTEGER[]), key) GROUP BY ALL)",
                "df AS (SELECT key, count(DISTINCT doc_id) AS df FROM hits GROUP BY key)",
                f"st AS (SELECT greatest(count(*), 1) AS n, greatest(avg(length), 1) AS avgdl FROM {c.docs})",
                "sc AS (SELECT tf.doc_id, sum(ln(1 + (st.n - df.df + 0.5) / (df.df + 0.5))"
                " * tf.tf * 2.2 / (tf.tf + 1.2 * (0.25 + 0.75 * dd.length / st.avgdl))"
                f" * CASE WHEN tf.field = 0 THEN 2.0 ELSE 1.0 END) AS score FROM tf"
                f" JOIN df ON df.key = tf.key JOIN {c.docs} dd ON dd.doc_id = tf.doc_id"
                " CROSS JOIN st GROUP BY tf.doc_id)",
            ]
            source += " LEFT JOIN sc ON sc.doc_id = d.doc_id"
            cols += ", coalesce(sc.score, 0.0) AS score"
            tail = " ORDER BY score DESC, d.article_id"
        if limit is not None:
            tail += f" LIMIT {self.bind(int(limit))}"
        sql = ("WITH " + ",\n".join(head + self.ctes) + f"\nSELECT {cols} FROM {source}\nWHERE "
               + " AND ".join(filters) + tail)
        return Compiled(sql, self.params, tuple(x.label for x in shown))


def _texts(leaf: Text | Near | Meta) -> tuple[Text, ...]:
    if isinstance(leaf, Text):
        return (leaf,)
    if isinstance(leaf, Near):
        return leaf.left + leaf.right
    return ()


def highlight_terms(node: Node) -> list[Tok]:
    """The tokens of the positive text leaves (for snippets)."""
    return [t for x in positive_leaves(node) for tx in _texts(x) for t in tx.tokens]
