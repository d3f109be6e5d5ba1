"""The command line, driven as a user would (CliRunner), against the bundled sample site."""

from __future__ import annotations

import json

import duckdb
import pytest
from click.testing import CliRunner
from presswatch.cli import main
from presswatch.demo import DemoSite


@pytest.fixture
def env(tmp_path):
    return {"PRESSWATCH_WAREHOUSE": str(tmp_path / "w.duckdb"),
            "PRESSWATCH_ALLOW_NETWORKS": "127.0.0.1/32", "PRESSWATCH_HOST_DELAY_S": "0",
            "PRESSWATCH_EXTRACT_WORKERS": "1"}


def invoke(env, *args):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result


def test_feeds_run_status_reextract(env, tmp_path):
    with DemoSite() as site:
        lst = tmp_path / "feeds.txt"
        lst.write_text("# demo feeds\n" + "\n".join(site.feed_urls()) + "\nnot a url\n")
        r = invoke(env, "feeds", "import", str(lst))
        assert r.exit_code == 0 and "4 feeds added" in r.output and "1 rejected" in r.output
        r = invoke(env, "feeds", "add", site.feed_urls()[0])
        assert "already present" in r.output
        r = invoke(env, "run", "--json")
        assert r.exit_code == 0, r.output
        summary = json.loads(r.output)
        assert summary["articles_new"] == 8 and summary["feeds_failed"] == 0
    r = invoke(env, "status", "--json")
    st = json.loads(r.output)
    assert st["articles"] == 8 and st["feeds_by_status"] == {"ok": 4}
    r = invoke(env, "feeds", "list", "--json")
    assert {f["status"] for f in json.loads(r.output)} == {"ok"}
    r = invoke(env, "reextract")
    assert r.exit_code == 0 and "0 of 8 articles changed" in r.output
    con = duckdb.connect(env["PRESSWATCH_WAREHOUSE"], read_only=True)
    langs = dict(con.execute("SELECT source, any_value(language) FROM articles GROUP BY 1").fetchall())
    con.close()
    assert langs["Nihon Daily"] == "ja" and langs["Pacific Wire"] == "en"


def test_reextract_replaces_changed_text(env):
    with DemoSite() as site:
        invoke(env, "feeds", "add", site.feed_urls()[0])
        invoke(env, "run")
    con = duckdb.connect(env["PRESSWATCH_WAREHOUSE"])
    con.execute("UPDATE articles SET text = 'stale', content_hash = 'x', extraction_reason = 'extraction_empty'")
    con.close()
    r = invoke(env, "reextract", "--failed-only")
    assert "3 of 3 articles changed" in r.output
    con = duckdb.connect(env["PRESSWATCH_WAREHOUSE"], read_only=True)
    assert con.execute("SELECT count(*) FROM articles WHERE text = 'stale'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM article_revisions WHERE text = 'stale'").fetchone()[0] == 3
    con.close()


def test_clear_errors(env, tmp_path):
    r = CliRunner().invoke(main, ["status"], env=env)
    assert r.exit_code == 1 and "run `presswatch run`" in r.output
    r = CliRunner().invoke(main, ["feeds", "import", str(tmp_path / "nope.opml")], env=env)
    assert r.exit_code == 1 and "no such file" in r.output
    bad = {**env, "PRESSWATCH_ALLOW_NETWORKS": "not-a-cidr"}
    r = CliRunner().invoke(main, ["run"], env=bad)
    assert r.exit_code == 1 and "PRESSWATCH_ALLOW_NETWORKS" in r.output


def test_second_cycle_refused_while_one_writes(env):
    from presswatch import warehouse
    from presswatch.settings import load_settings

    settings = load_settings(env=env)
    with warehouse.writer_lock(settings):
        r = CliRunner().invoke(main, ["run"], env=env)
    assert r.exit_code == 1 and "another presswatch cycle is writing" in r.output
