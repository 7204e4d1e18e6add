"""Pages a browser saved: "single file" (.mhtml/.mht) and "Webpage, complete" (page.html + page_files/).

Many sites refuse scripted downloads, so a saved page is how a user gets the article at
all. An .mhtml is a MIME multipart/related message: the standard library's email module
reads it, the page's images come from its parts and nothing is fetched from the network.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from dataclasses import replace
from email.message import Message
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ocrpipe.acquire._article import parse_article
from ocrpipe.acquire._refs import Article, ImageRef, Resource
from ocrpipe.errors import ArticleError

log = logging.getLogger(__name__)

MHTML_SUFFIXES = (".mhtml", ".mht")


def looks_like_mhtml(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in MHTML_SUFFIXES:
        return True
    start = head[:8192].lower()
    return b"mime-version:" in start and b"multipart/related" in start


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")


def read_mhtml(data: bytes, location: str, all_images: bool = False) -> Article:
    """The article in an .mhtml file, its images from the file's own parts (offline)."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    if not msg.is_multipart():
        raise ArticleError(f"{location}: not an .mhtml page (no multipart/related parts)")
    page: tuple[str, str | None] | None = None
    resources: dict[str, Resource] = {}
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        where = (part.get("Content-Location") or "").strip()
        if ctype == "text/html" and page is None:
            page = (_text(part), where or None)
        elif ctype.startswith("image/"):
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes) or not payload:
                continue
            res = Resource(payload, ctype)
            if where:
                resources.setdefault(where, res)
            cid = (part.get("Content-ID") or "").strip().strip("<>")
            if cid:
                resources.setdefault(f"cid:{cid}", res)
    if page is None:
        raise ArticleError(f"{location}: the .mhtml file holds no HTML page")
    html, page_url = page
    origin = page_url or (msg.get("Snapshot-Content-Location") or "").strip() or None
    article = parse_article(html, location=location, base_url=origin, all_images=all_images, page_url=origin)
    log.info("%s: a saved page of %s with %d images inside", location, origin, len(resources))
    return replace(article, resources=resources, offline=True)


def complete_folder(path: Path) -> Path | None:
    """The `page_files/` folder a "Webpage, complete" save puts beside `page.html`."""
    folder = path.with_name(f"{path.stem}_files")
    return folder if folder.is_dir() else None


def with_saved_files(article: Article, folder: Path) -> Article:
    """Images the page names by their web address but whose copies lie in the saved folder: the copy first."""
    files = {p.name: p for p in folder.iterdir() if p.is_file()}
    refs: list[ImageRef] = []
    for ref in article.images:
        local = []
        for url in ref.urls:
            if re.match(r"https?://", url, re.I):
                name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
                for candidate in (name, f"{name}.{ref.type_hint}" if ref.type_hint else ""):
                    if candidate and candidate in files:
                        local.append(files[candidate].resolve().as_uri())
                        break
        refs.append(replace(ref, urls=tuple(dict.fromkeys((*local, *ref.urls)))) if local else ref)
    return replace(article, images=tuple(refs))
