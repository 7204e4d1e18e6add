"""Render poster series like the seed's, with ground truth.

Used by the tests, the bundled demo sample and the benchmark. Every series is
deterministic for a given seed: a cover poster, numbered clauses (optionally
under section headings) flowing over several posters, a closing poster, and a
promo banner that is not part of the set. Ground truth is kept per poster
(lines in reading order) and per series (clauses).

    python -m bench.synth demo samples/demo     # re-render the bundled sample
"""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocrpipe._io import atomic_write_bytes, atomic_write_json, atomic_write_text
from ocrpipe.errors import OcrpipeError

POSTER_SIZE = (876, 1567)
BANNER_SIZE = (1000, 556)

# (regular file, bold file, face index) per family; Debian packages fonts-noto-cjk, fonts-wqy-zenhei.
FONT_FILES = {
    "noto-sans": (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        2,
    ),
    "noto-serif": (
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
        2,
    ),
    "wqy-zenhei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    # The bench's foreign styles only (never tuned on): fonts-arphic-ukai, -uming, fonts-wqy-microhei.
    "ar-kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", "/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    "ar-ming": ("/usr/share/fonts/truetype/arphic/uming.ttc", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    "wqy-microhei": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
}

CN_NUM = "零一二三四五六七八九十"


def cn_numeral(n: int) -> str:
    """1..99 as Chinese numerals: 1 -> 一, 12 -> 十二, 20 -> 二十."""
    if n < 10:
        return CN_NUM[n]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens] if tens > 1 else "") + "十" + (CN_NUM[ones] if ones else "")


from ocrpipe.structure._clauses import CIRCLED  # noqa: E402 - the parser's own list: what it reads, we draw

LABELS: dict[str, Callable[[int], str]] = {
    "dot": lambda n: f"{n}.",
    "dun": lambda n: f"{n}、",
    "cn_paren": lambda n: f"（{cn_numeral(n)}）",
    "paren": lambda n: f"({n})",
    "cn_dun": lambda n: f"{cn_numeral(n)}、",
    "di_tiao": lambda n: f"第{cn_numeral(n)}条",
    "circled": lambda n: CIRCLED[n - 1],
    "badge_only": lambda n: "",
}


@lru_cache(maxsize=64)
def font(family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A CJK font from Debian's packages; a clear error when they are missing."""
    try:
        regular, bold_file, index = FONT_FILES[family]
    except KeyError:
        raise OcrpipeError(f"unknown font family {family!r}; choose from {sorted(FONT_FILES)}") from None
    path = bold_file if bold else regular
    try:
        return ImageFont.truetype(path, size, index=index)
    except OSError:
        raise OcrpipeError(
            f"CJK font not found: {path}",
            "apt-get install fonts-noto-cjk fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-ukai "
            "fonts-arphic-uming (or run `make install`)",
        ) from None


# --------------------------------------------------------------------------- wording

TITLES = [
    "依法保护中小微企业合法权益",
    "平等保护各类市场主体",
    "妥善审理涉企合同纠纷",
    "依法规范融资担保行为",
    "严厉打击恶意拖欠账款",
    "加大知识产权司法保护",
    "推动完善破产重整制度",
    "依法审慎采取强制措施",
    "畅通企业诉讼服务渠道",
    "降低企业维权诉讼成本",
    "支持企业依法平稳退出",
    "保障企业用工合法权益",
    "严惩侵害企业的违法犯罪",
    "规范涉企行政执法行为",
    "推进多元化解纠纷机制",
    "加强涉企案件执行工作",
    "营造诚实守信市场环境",
    "促进金融服务实体经济",
    "提升涉企审判工作质效",
    "加强司法政策宣传解读",
    "健全企业合规激励机制",
    "优化涉外商事审判服务",
    "保护企业家人身财产安全",
    "加强调查研究和指导",
]

SENTENCES = [
    "坚持平等保护原则，依法保障中小微企业的财产权和经营自主权。",
    "对于因疫情影响不能履行合同的，依法准确适用不可抗力规则。",
    "引导当事人协商变更合同内容，帮助企业渡过难关。",
    "严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入民事纠纷。",
    "依法审理民间借贷纠纷案件，对于高利放贷行为不予保护。",
    "加大对拖欠中小微企业账款行为的惩处力度，维护企业正当权益。",
    "依法惩治侵犯商业秘密和假冒专利等行为，激发企业创新活力。",
    "对于具有挽救价值的企业，积极运用重整与和解程序。",
    "慎用查封、扣押、冻结等措施，最大限度减少对企业正常经营的影响。",
    "推行网上立案和跨域立案服务，让企业少跑腿、好办事。",
    "依法减免或者缓交诉讼费用，切实降低企业维权成本。",
    "完善小额诉讼程序，提高简单案件的审理效率。",
    "依法保护劳动者合法权益，同时兼顾企业生存发展需要。",
    "支持行政机关依法履职，监督纠正违法行政行为。",
    "加强与工商联等部门的协作，推动纠纷在诉前得到化解。",
    "综合运用执行和解等方式，依法保障胜诉企业及时实现权益。",
    "加大对失信行为的惩戒力度，营造公平竞争的市场环境。",
    "依法规制金融机构违规收费行为，降低企业融资成本。",
    "各级人民法院要加强组织领导，确保各项措施落到实处。",
    "及时发布典型案例，增强企业依法经营的意识和能力。",
    "对于2022年以前受理的案件，应当在30日内完成审查。",
    "依法审理涉及中小微企业的股权纠纷，保护投资者合法权益。",
    "完善企业信用修复机制，帮助守信企业重新获得发展机会。",
    "加强对企业家的司法保护，依法纠正涉企错案冤案。",
    "健全涉企案件快速审理机制，缩短案件审理周期。",
    "建立涉企案件专门台账，定期开展督导检查。",
]

SECTIONS = ["总体要求", "依法保护企业权益", "优化司法服务", "强化组织保障"]


@dataclass(frozen=True)
class Clause:
    number: int
    label: str  # as printed in the heading, e.g. "1." or "（一）"; "" when only a badge numbers it
    title: str
    body: str
    section: str | None = None


# --------------------------------------------------------------------------- style


@dataclass(frozen=True)
class Style:
    name: str = "court-red"
    family: str = "noto-sans"
    bg_top: tuple[int, int, int] = (255, 250, 240)
    bg_bottom: tuple[int, int, int] = (250, 228, 205)
    banner_bg: tuple[int, int, int] = (190, 25, 30)  # header band and section bars
    banner_fg: tuple[int, int, int] = (255, 255, 255)
    badge_bg: tuple[int, int, int] = (200, 30, 35)
    badge_fg: tuple[int, int, int] = (255, 255, 255)
    heading_fg: tuple[int, int, int] = (170, 20, 25)
    body_fg: tuple[int, int, int] = (45, 40, 40)
    numbering: str = "dot"
    badges: bool = True
    sections: bool = True
    ornaments: bool = True
    body_size: int = 30
    heading_size: int = 36
    clauses_per_poster: int = 2
    # layouts of the foreign styles
    pill_sections: bool = False  # section headings on a rounded pill instead of a full bar
    pill_bg: tuple[int, int, int] = (250, 205, 50)
    pill_fg: tuple[int, int, int] = (60, 30, 10)
    icon_overlap: bool = False  # a small icon drawn over the start of some body lines
    framed_body: bool = False  # each clause's body inside a rounded frame
    cover_size: int = 64  # the cover title's type size


STYLES = {
    "court-red": Style(),
    "blue-gradient": Style(
        name="blue-gradient",
        family="noto-serif",
        bg_top=(235, 244, 255),
        bg_bottom=(200, 222, 250),
        banner_bg=(20, 70, 150),
        badge_bg=(240, 180, 20),
        badge_fg=(30, 30, 30),
        heading_fg=(20, 60, 140),
        body_fg=(25, 30, 50),
        numbering="dun",
        sections=True,
    ),
    "yellow-banner": Style(
        name="yellow-banner",
        family="wqy-zenhei",
        bg_top=(255, 255, 255),
        bg_bottom=(255, 246, 215),
        banner_bg=(250, 200, 40),
        banner_fg=(40, 30, 20),
        badge_bg=(220, 40, 40),
        heading_fg=(40, 30, 20),
        body_fg=(50, 50, 50),
        numbering="cn_paren",
        sections=False,
        badges=False,
        clauses_per_poster=3,
    ),
    "dark": Style(
        name="dark",
        family="noto-sans",
        bg_top=(30, 40, 70),
        bg_bottom=(15, 20, 40),
        banner_bg=(200, 40, 40),
        badge_bg=(255, 210, 80),
        badge_fg=(30, 30, 30),
        heading_fg=(255, 220, 120),
        body_fg=(235, 235, 240),
        numbering="di_tiao",
        sections=False,
        badges=False,
    ),
}

# Foreign styles: fonts, shapes and layouts the preprocessing was never tuned on. The bench
# keeps them in their own column; choices are judged on them, never fitted to them.
FOREIGN_STYLES = {
    "kai-pill": Style(
        name="kai-pill",
        family="ar-kai",
        bg_top=(255, 253, 245),
        bg_bottom=(255, 240, 225),
        banner_bg=(200, 50, 40),
        heading_fg=(150, 30, 20),
        body_fg=(40, 30, 30),
        numbering="dot",
        sections=True,
        pill_sections=True,
        badges=False,
        framed_body=True,
        cover_size=130,
    ),
    "ming-icons": Style(
        name="ming-icons",
        family="ar-ming",
        bg_top=(240, 248, 240),
        bg_bottom=(215, 235, 215),
        banner_bg=(30, 110, 60),
        badge_bg=(30, 110, 60),
        heading_fg=(20, 90, 50),
        body_fg=(20, 40, 30),
        numbering="dun",
        sections=False,
        icon_overlap=True,
        cover_size=120,
    ),
    "microhei-framed": Style(
        name="microhei-framed",
        family="wqy-microhei",
        bg_top=(255, 248, 200),
        bg_bottom=(255, 236, 160),
        banner_bg=(120, 40, 140),
        badge_bg=(120, 40, 140),
        heading_fg=(90, 30, 110),
        body_fg=(40, 30, 50),
        numbering="cn_dun",
        sections=False,
        framed_body=True,
        pill_sections=True,
        cover_size=140,
        clauses_per_poster=2,
    ),
}


@dataclass(frozen=True)
class Degrade:
    rotate: float = 0.0  # degrees, counter-clockwise
    blur: float = 0.0  # Gaussian radius in pixels
    scale: float = 1.0  # published size relative to POSTER_SIZE
    jpeg_quality: int = 92
    noise: float = 0.0  # std-dev of Gaussian pixel noise


# --------------------------------------------------------------------------- layout


@dataclass
class _Poster:
    img: Image.Image
    lines: list[str] = field(default_factory=list)
    y: int = 0
    footer: str = ""


def _gradient(size: tuple[int, int], top, bottom) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    arr = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
    return Image.fromarray(np.repeat(arr, w, axis=1).round().astype(np.uint8), "RGB")


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrap by character (CJK has no spaces); keeps closing punctuation off line starts."""
    lines: list[str] = []
    cur = ""
    for ch in text:
        if cur and fnt.getlength(cur + ch) > width and ch not in "，。、；：！？）》”":
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        lines.append(cur)
    return lines


class SeriesRenderer:
    """Lays out a series' clauses over posters in one style."""

    MARGIN = 70
    HEADER_H = 190
    FOOTER_H = 120

    def __init__(self, title: str, style: Style, rng: random.Random, org: str = "最高人民法院") -> None:
        self.title = title
        self.style = style
        self.rng = rng
        self.org = org
        self.posters: list[_Poster] = []

    # -- poster furniture ----------------------------------------------------
    def _new_poster(self, with_header: bool = True) -> _Poster:
        s = self.style
        img = _gradient(POSTER_SIZE, s.bg_top, s.bg_bottom)
        p = _Poster(img=img, y=self.HEADER_H + 40 if with_header else 120)
        d = ImageDraw.Draw(img)
        w, h = POSTER_SIZE
        if with_header:
            d.rectangle([0, 0, w, self.HEADER_H - 40], fill=s.banner_bg)
            f = font(s.family, 40, bold=True)
            text = self.title
            tw = f.getlength(text)
            d.text(((w - tw) / 2, 52), text, font=f, fill=s.banner_fg)
            p.lines.append(text)
        if s.ornaments:
            self._ornaments(d)
        # Footer repeated on every poster: a trap for clause text.
        f = font(s.family, 24)
        foot = f"{self.org} 发布"
        d.line([self.MARGIN, h - self.FOOTER_H + 10, w - self.MARGIN, h - self.FOOTER_H + 10], fill=s.heading_fg, width=2)
        d.text(((w - f.getlength(foot)) / 2, h - self.FOOTER_H + 40), foot, font=f, fill=s.body_fg)
        p.footer = foot
        self.posters.append(p)
        return p

    def _ornaments(self, d: ImageDraw.ImageDraw) -> None:
        """Non-text marks in the margins: rings, dots, rules and an icon blob."""
        s, r = self.style, self.rng
        w, h = POSTER_SIZE
        col = s.heading_fg
        for _ in range(2):
            cx, cy, rad = w - 38, r.randint(self.HEADER_H, h - 300), r.randint(10, 16)
            d.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], outline=col, width=3)
        for i in range(5):
            d.ellipse([18, 400 + i * 28, 28, 410 + i * 28], fill=col)
        # A small "icon": a filled shield-like blob in the bottom corner.
        x0, y0 = w - 130, h - self.FOOTER_H + 25  # in the footer band, clear of the text
        d.polygon([(x0, y0), (x0 + 60, y0), (x0 + 60, y0 + 40), (x0 + 30, y0 + 70), (x0, y0 + 40)], fill=s.badge_bg)

    def _finish(self, p: _Poster) -> None:
        p.lines.append(p.footer)

    @property
    def _bottom(self) -> int:
        return POSTER_SIZE[1] - self.FOOTER_H - 30

    # -- content ---------------------------------------------------------------
    def _centred(self, p: _Poster, lines: list[str], fnt: ImageFont.FreeTypeFont, y: int, step: int, fill) -> int:
        d = ImageDraw.Draw(p.img)
        for line in lines:
            d.text(((POSTER_SIZE[0] - fnt.getlength(line)) / 2, y), line, font=fnt, fill=fill)
            p.lines.append(line)
            y += step
        return y

    def _frame(self, d: ImageDraw.ImageDraw, top: int, bottom: int) -> None:
        if self.style.framed_body and bottom > top + 20:
            d.rounded_rectangle(
                [self.MARGIN - 6, top, POSTER_SIZE[0] - self.MARGIN + 6, bottom + 4],
                radius=18,
                outline=self.style.heading_fg,
                width=3,
            )

    def cover(self, subtitle_lines: list[str]) -> None:
        s = self.style
        p = self._new_poster(with_header=False)
        f = font(s.family, s.cover_size, bold=True)
        step = int(s.cover_size * 1.5)
        y = self._centred(p, wrap(self.title, f, POSTER_SIZE[0] - 2 * self.MARGIN - 40), f, 300, step, s.heading_fg)
        self._centred(p, subtitle_lines, font(s.family, 34), y + 60, 60, s.body_fg)
        self._finish(p)

    def closing(self, lines: list[str]) -> None:
        p = self._new_poster(with_header=False)
        self._centred(p, lines, font(self.style.family, 44, bold=True), 600, 90, self.style.heading_fg)
        self._finish(p)

    def clauses(self, clauses: list[Clause], per_poster: int) -> None:
        s = self.style
        bf = font(s.family, s.body_size)
        hf = font(s.family, s.heading_size, bold=True)
        sf = font(s.family, 34, bold=True)
        body_w = POSTER_SIZE[0] - 2 * self.MARGIN
        line_h = int(s.body_size * 1.6)
        p: _Poster | None = None
        on_page = 0
        section = None
        for c in clauses:
            if p is None or on_page >= per_poster:
                if p is not None:
                    self._finish(p)
                p, on_page = self._new_poster(), 0
            d = ImageDraw.Draw(p.img)
            if s.sections and c.section and c.section != section:
                section = c.section
                if s.pill_sections:  # a rounded pill just wider than its text, centred
                    tw = sf.getlength(c.section)
                    x0 = (POSTER_SIZE[0] - tw) / 2 - 40
                    d.rounded_rectangle([x0, p.y, x0 + tw + 80, p.y + 64], radius=32, fill=s.pill_bg)
                    d.text((x0 + 40, p.y + 10), c.section, font=sf, fill=s.pill_fg)
                else:
                    d.rectangle([self.MARGIN, p.y, POSTER_SIZE[0] - self.MARGIN, p.y + 64], fill=s.banner_bg)
                    d.text((self.MARGIN + 24, p.y + 10), c.section, font=sf, fill=s.banner_fg)
                p.lines.append(c.section)
                p.y += 100
            # Heading, with a two-digit badge beside it.
            x = self.MARGIN
            if s.badges:
                bfnt = font(s.family, 30, bold=True)
                r = 30
                cy = p.y + s.heading_size // 2 + 6
                d.ellipse([x, cy - r, x + 2 * r, cy + r], fill=s.badge_bg)
                badge = f"{c.number:02d}"
                d.text((x + r - bfnt.getlength(badge) / 2, cy - 20), badge, font=bfnt, fill=s.badge_fg)
                p.lines.append(badge)
                x += 2 * r + 20
            head = f"{c.label}{c.title}"
            for line in wrap(head, hf, POSTER_SIZE[0] - self.MARGIN - x):
                d.text((x, p.y), line, font=hf, fill=s.heading_fg)
                p.lines.append(line)
                p.y += int(s.heading_size * 1.5)
            p.y += 14
            inset = 24 if s.framed_body else 0
            frame_top = p.y - 8
            for k, line in enumerate(wrap(c.body, bf, body_w - 2 * inset)):
                if p.y + line_h > self._bottom:  # the clause runs on into the next poster
                    self._frame(d, frame_top, p.y)
                    self._finish(p)
                    p, on_page = self._new_poster(), 0
                    d = ImageDraw.Draw(p.img)
                    frame_top = p.y - 8
                d.text((self.MARGIN + inset, p.y), line, font=bf, fill=s.body_fg)
                if s.icon_overlap and k == 1:  # a small round icon over the end of the line
                    ix = self.MARGIN + inset + int(bf.getlength(line)) - 10
                    d.ellipse([ix, p.y - 4, ix + s.body_size + 8, p.y + s.body_size + 4], fill=s.badge_bg)
                    d.line(
                        [ix + 8, p.y + s.body_size // 2, ix + s.body_size, p.y + s.body_size // 2],
                        fill=(255, 255, 255),
                        width=3,
                    )
                p.lines.append(line)
                p.y += line_h
            self._frame(d, frame_top, p.y)
            p.y += 40
            on_page += 1
        if p is not None:
            self._finish(p)


def degrade(img: Image.Image, dg: Degrade, rng: random.Random | None = None) -> Image.Image:
    """Apply web-republishing damage: rotation, blur, down-scaling, noise."""
    out = img
    if dg.rotate:
        corner = img.getpixel((2, 2))
        out = out.rotate(dg.rotate, resample=Image.BICUBIC, expand=False, fillcolor=corner)
    if dg.blur:
        out = out.filter(ImageFilter.GaussianBlur(dg.blur))
    if dg.scale != 1.0:
        out = out.resize((round(out.width * dg.scale), round(out.height * dg.scale)), Image.LANCZOS)
    if dg.noise:
        seed = (rng or random.Random(0)).randrange(2**31)
        arr = np.asarray(out, np.float32) + np.random.default_rng(seed).normal(0, dg.noise, (out.height, out.width, 3))
        out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    return out


def jpeg_bytes(img: Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def big_type_png(
    text: str = "我是中国人", size: int = 200, fill: tuple[int, int, int, int] = (0, 0, 0, 255), family: str = "noto-sans"
) -> Image.Image:
    """Large type on a transparent canvas (a slogan cut out for a web page), RGBA."""
    f = font(family, size, bold=True)
    w = int(f.getlength(text)) + 2 * size // 2
    img = Image.new("RGBA", (w, int(size * 2.5)), (0, 0, 0, 0))
    ImageDraw.Draw(img).text((size // 2, int(size * 0.6)), text, font=f, fill=fill)
    return img


def promo_banner() -> Image.Image:
    img = _gradient(BANNER_SIZE, (255, 120, 40), (230, 40, 60))
    d = ImageDraw.Draw(img)
    d.text((80, 200), "下载客户端 看更多精彩", font=font("noto-sans", 64, bold=True), fill=(255, 255, 255))
    return img


# --------------------------------------------------------------------------- series


@dataclass(frozen=True)
class SeriesSpec:
    title: str = "司法助力中小微企业发展20条"
    n_clauses: int = 20
    style: Style = field(default_factory=Style)
    degrade: Degrade = field(default_factory=Degrade)
    seed: int = 0
    drop: tuple[int, ...] = ()  # clause numbers left out (for verification tests)


@dataclass
class RenderedSeries:
    spec: SeriesSpec
    posters: list[Image.Image]
    poster_lines: list[list[str]]
    clauses: list[Clause]
    banner: Image.Image

    def ground_truth(self) -> dict:
        return {
            "title": self.spec.title,
            "promised": self.spec.n_clauses,
            "style": self.spec.style.name,
            "degrade": asdict(self.spec.degrade),
            "posters": [{"lines": lines} for lines in self.poster_lines],
            "clauses": [asdict(c) for c in self.clauses],
        }


def make_clauses(n: int, style: Style, rng: random.Random) -> list[Clause]:
    label = LABELS[style.numbering]
    titles = rng.sample(TITLES, k=min(n, len(TITLES))) if n <= len(TITLES) else [TITLES[i % len(TITLES)] for i in range(n)]
    per_section = max(1, -(-n // len(SECTIONS)))
    out = []
    # The last clause on a poster mid-series gets a body long enough to run on into the next poster.
    per = style.clauses_per_poster
    long_one = per * max(1, (n // per) // 2)
    for i in range(1, n + 1):
        body = "".join(rng.sample(SENTENCES, k=20 if i == long_one else rng.choice((3, 4, 4, 5))))
        sec_i = (i - 1) // per_section
        section = f"{cn_numeral(sec_i + 1)}、{SECTIONS[sec_i]}" if style.sections else None
        out.append(Clause(number=i, label=label(i), title=titles[i - 1], body=body, section=section))
    return out


def render_series(spec: SeriesSpec) -> RenderedSeries:
    rng = random.Random(spec.seed)
    clauses = [c for c in make_clauses(spec.n_clauses, spec.style, rng) if c.number not in spec.drop]
    r = SeriesRenderer(spec.title, spec.style, rng)
    r.cover(["关于充分发挥司法职能作用", "助力中小微企业发展的指导意见"])
    r.clauses(clauses, spec.style.clauses_per_poster)
    r.closing(["更多精彩 敬请关注", "人民法院新闻传媒总社"])
    posters, lines = [], []
    for p in r.posters:
        dg = spec.degrade
        if dg.rotate:  # vary the angle per poster within the spec's bound
            dg = replace(dg, rotate=round(rng.uniform(-abs(dg.rotate), abs(dg.rotate)), 2))
        posters.append(degrade(p.img, dg, rng))
        lines.append(p.lines)
    return RenderedSeries(spec=spec, posters=posters, poster_lines=lines, clauses=clauses, banner=promo_banner())


def article_markdown(
    title: str,
    poster_urls: list[tuple[str, str | None]],
    banner: tuple[str, str | None] | None,
    size: tuple[int, int] = POSTER_SIZE,
    date: str = "Fri, 14 Jan 2022 08:21:39 GMT",
) -> str:
    """An article in the seed's format; each URL pair is (data-original, src)."""

    def img(i: int, pair: tuple[str, str | None], wh: tuple[int, int]) -> str:
        src = pair[1] or pair[0]
        return (
            f'<div class="img_box" id="id_imagebox_{i}"><div class="content_img_div">'
            f'<img class="lazy opacity_0 " id="img_{i}" data-original="{pair[0]}" data-height="{wh[1]}" '
            f'data-width="{wh[0]}" src="{src}" referrerpolicy="no-referrer"></div></div>'
        )

    imgs = "".join(img(i, pair, size) for i, pair in enumerate(poster_urls))
    tail = img(len(poster_urls), banner, BANNER_SIZE) if banner else ""
    return (
        f"---\ntitle: '{title}'\ncategories:\n - 新媒体\n - ocrpipe-sample\nauthor: ocrpipe\n"
        f"comments: false\ndate: {date}\n---\n\n<div>\n<p>这是 ocrpipe 渲染的示例文章，正文内容以海报图片形式发布。</p>"
        f"<p></p>{imgs}来源：人民法院新闻传媒总社<p></p><p>海报：示例 丨编辑：示例</p><p>更多精彩 敬请关注</p>"
        f"<p></p>{tail}<p></p></div>\n"
    )


def write_series(series: RenderedSeries, out_dir: Path, url_for: Callable[[str], tuple[str, str | None]] | None = None) -> Path:
    """Write posters, banner, ground truth and an article.md linking them (relative paths by default)."""
    out_dir = Path(out_dir)
    names = []
    for i, img in enumerate(series.posters, start=1):
        name = f"posters/p{i:02d}.jpg"
        atomic_write_bytes(out_dir / name, jpeg_bytes(img, series.spec.degrade.jpeg_quality))
        names.append(name)
    atomic_write_bytes(out_dir / "posters/promo.jpg", jpeg_bytes(series.banner, 85))
    url_for = url_for or (lambda n: (n, None))
    size = series.posters[0].size if series.posters else POSTER_SIZE
    md = article_markdown(f"{series.spec.title}，来了！", [url_for(n) for n in names], url_for("posters/promo.jpg"), size)
    atomic_write_text(out_dir / "article.md", md)
    atomic_write_json(out_dir / "truth.json", series.ground_truth())
    return out_dir / "article.md"


DEMO_SPEC = SeriesSpec(seed=2022, style=STYLES["court-red"], degrade=Degrade(rotate=1.5, blur=0.6, jpeg_quality=85))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 2 or argv[0] != "demo":
        print("usage: python -m bench.synth demo OUT_DIR", file=sys.stderr)
        return 2
    path = write_series(render_series(DEMO_SPEC), Path(argv[1]))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
