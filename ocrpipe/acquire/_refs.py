"""What the article reader hands the fetcher: the page's images and, for a saved page, their bytes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ocrpipe.output._results import ArticleMeta


@dataclass(frozen=True)
class ImageRef:
    """One image of the article (an <img>, a <noscript> fallback or a CSS background), in document order."""

    index: int
    urls: tuple[str, ...]  # real (unwrapped) URLs, best first
    proxy_urls: tuple[str, ...] = ()  # the same image through a proxy, as printed
    width_hint: int | None = None
    height_hint: int | None = None
    in_series: bool = True
    excluded_reason: str | None = None
    type_hint: str | None = None  # "jpeg", "png", "gif", "webp": from the extension, wx_fmt= or tp=
    origin: str = "img"  # img | noscript | css: where on the page the URL was found

    def ordered_urls(self, prefer: str = "real") -> tuple[str, ...]:
        """All candidate URLs, the preferred kind first."""
        first, second = (self.urls, self.proxy_urls) if prefer == "real" else (self.proxy_urls, self.urls)
        seen: dict[str, None] = {}
        for u in (*first, *second):
            seen.setdefault(u, None)
        return tuple(seen)


@dataclass(frozen=True)
class Resource:
    """One image saved inside a page file (an .mhtml part): its bytes and declared type."""

    data: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class Article:
    meta: ArticleMeta
    images: tuple[ImageRef, ...] = ()
    # A saved page's own copies of its images, by absolute URL; with `offline` nothing else is fetched.
    resources: Mapping[str, Resource] = field(default_factory=dict, compare=False, repr=False)
    offline: bool = False

    @property
    def series(self) -> tuple[ImageRef, ...]:
        return tuple(im for im in self.images if im.in_series)
