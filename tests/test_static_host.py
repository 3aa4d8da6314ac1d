"""The server `make bench` and `make audit` measure pages with serves a site as a host does:
content types, gzip for text only, cache headers, index.html and 404.html; and it counts
the bytes it sent."""

from __future__ import annotations

import httpx

from leadingtrusts.pipeline.static_host import (CACHE_FINGERPRINTED, CACHE_OTHER, Sent,
                                                serving)

PAGE = "<!doctype html><title>Home</title>" + "<p>A paragraph that repeats.</p>" * 100
SCRIPT = "console.log('Material');\n" * 100
IMAGE = bytes(range(256)) * 8  # a PNG's bytes do not shrink: hosts send them as they are


def test_a_site_is_served_as_a_static_host_serves_it(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "404.html").write_text("<!doctype html><title>Not found</title>")
    (tmp_path / "assets/bundle.a5f9d56c.min.js").write_text(SCRIPT)
    (tmp_path / "assets/card.png").write_bytes(IMAGE)
    sent: list[Sent] = []
    with serving(tmp_path, sent) as base, httpx.Client(base_url=base) as client:
        gzipped = {"Accept-Encoding": "gzip"}
        home = client.get("/", headers=gzipped)
        script = client.get("/assets/bundle.a5f9d56c.min.js", headers=gzipped)
        image = client.get("/assets/card.png", headers=gzipped)
        missing = client.get("/no/such/page/")

    assert home.headers["content-type"].startswith("text/html")
    assert home.headers["content-encoding"] == "gzip" and home.text == PAGE
    assert home.headers["cache-control"] == CACHE_OTHER
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == CACHE_FINGERPRINTED  # its name changes with it
    assert image.headers["content-type"] == "image/png"
    assert "content-encoding" not in image.headers and image.content == IMAGE
    assert missing.status_code == 404 and "Not found" in missing.text

    assert [(s.path, s.status) for s in sent] == [
        ("/", 200), ("/assets/bundle.a5f9d56c.min.js", 200), ("/assets/card.png", 200),
        ("/no/such/page/", 404)]
    # The bytes counted are those that crossed the wire: compressed for the page.
    assert [s.size for s in sent[:3]] == [r.num_bytes_downloaded for r in (home, script, image)]
    assert sent[0].size < len(PAGE) / 5 and sent[2].size == len(IMAGE)
