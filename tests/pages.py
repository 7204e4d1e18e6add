"""Article pages in the structures posters reach people through, written for these tests.

Each page carries the 11 posters of one 20-clause series (rendered by bench.synth; two of
them long posters, twice the height at the same width) among the things real pages put
around them: avatars, share icons, a QR code, an animated GIF banner, a site logo and a
"related reading" block whose poster-size image belongs to another article (the decoy).
None is a copy of a real page. `Page.routes()` serves a page from the test server;
`mhtml()` and `save_complete()` save it as a browser would.
"""

from __future__ import annotations

import base64
import io
import quopri
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from bench import synth

POSTERS = 11
TITLE = "司法助力中小微企业发展二十条"


@dataclass(frozen=True)
class Kit:
    """Image bytes every page draws on."""

    posters: tuple[bytes, ...]  # the series, in order
    sizes: tuple[tuple[int, int], ...]
    decoy: bytes  # a poster of another article, the same size
    gif: bytes  # an animated banner as wide as the posters
    qr: bytes  # a QR code as wide as the posters
    avatar: bytes
    icon: bytes
    logo: bytes


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _stack(a: Image.Image, b: Image.Image) -> Image.Image:
    out = Image.new("RGB", (a.width, a.height + b.height))
    out.paste(a, (0, 0))
    out.paste(b, (0, a.height))
    return out


def make_kit(scale: float = 0.25, seed: int = 21) -> Kit:
    """The 13 posters synth renders for 20 clauses, with two pairs stacked into long posters: 11."""
    style = synth.STYLES["court-red"]
    series = synth.render_series(synth.SeriesSpec(title=TITLE, n_clauses=20, seed=seed, style=style))
    imgs = list(series.posters)
    imgs[4:6] = [_stack(imgs[4], imgs[5])]
    imgs[7:9] = [_stack(imgs[7], imgs[8])]
    assert len(imgs) == POSTERS
    if scale != 1.0:
        imgs = [im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS) for im in imgs]
    other = synth.render_series(synth.SeriesSpec(title="优化营商环境十条", n_clauses=2, seed=seed + 1))
    decoy = other.posters[1].resize(imgs[0].size, Image.LANCZOS)
    w = imgs[0].width
    frames = [Image.new("RGB", (w, 90), c) for c in ((230, 40, 40), (40, 40, 230))]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=300, loop=0)
    code = cv2.QRCodeEncoder.create().encode("https://example.invalid/follow-us")
    code = cv2.copyMakeBorder(code, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=255)
    qr = Image.fromarray(cv2.resize(code, (w, w), interpolation=cv2.INTER_NEAREST)).convert("RGB")
    avatar = Image.new("RGB", (64, 64), (120, 160, 200))
    icon = Image.new("RGB", (32, 32), (20, 180, 60))
    logo = Image.new("RGB", (180, 48), (200, 20, 20))
    return Kit(
        posters=tuple(synth.jpeg_bytes(im, 85) for im in imgs),
        sizes=tuple(im.size for im in imgs),
        decoy=synth.jpeg_bytes(decoy, 85),
        gif=gif.getvalue(),
        qr=_png(qr),
        avatar=synth.jpeg_bytes(avatar, 90),
        icon=_png(icon),
        logo=_png(logo),
    )


@dataclass
class Page:
    """One article page: its HTML, where it is served, and the files it names (path -> bytes, type)."""

    name: str
    path: str  # the page's path on the server
    html: str
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # server path (with query) -> body, type
    charset: str = "utf-8"
    poster_paths: tuple[str, ...] = ()  # the series, in order, as served
    title: str = ""
    promised: int | None = 20
    promise_source: str | None = "title"

    def encoded(self) -> bytes:
        return self.html.encode(self.charset)

    def routes(self, server) -> None:
        from .http_helpers import send

        body = self.encoded()
        server.routes[self.path] = lambda h, n: send(h, 200, body, "text/html")
        for path, (data, ctype) in self.files.items():
            server.routes[path.split("?", 1)[0]] = lambda h, n, d=data, t=ctype: send(h, 200, d, t)

    def url(self, server) -> str:
        return server.url(self.path)


def _fill(template: str, port: int) -> str:
    return template.replace("{HOST}", f"127.0.0.1:{port}")


# --------------------------------------------------------------------------- public account


def public_account(kit: Kit, port: int) -> Page:
    """A public-account article: the title in og:title and h1.rich_media_title, an empty <title>,
    images in data-src without extension (…/640?wx_fmt=jpeg), an animated GIF banner and a QR code
    inside the body, the account's avatar, and related reading after the body."""
    files: dict[str, tuple[bytes, str]] = {}
    posters = []
    body = []
    for i, (data, (w, h)) in enumerate(zip(kit.posters, kit.sizes), start=1):
        path = f"/mmbiz_jpg/k{i:02d}/640?wx_fmt=jpeg"
        files[path] = (data, "image/jpeg")
        posters.append(path)
        body.append(
            f'<p style="text-align:center"><img class="rich_pages wxw-img" data-ratio="{h / w:.4f}" data-w="{w}" '
            f'data-src="http://{{HOST}}{path}" data-type="jpeg" style="width:100% !important" '
            f'src="data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27%3E%3C/svg%3E"></p>'
        )
    files["/mmbiz_gif/banner/0?wx_fmt=gif"] = (kit.gif, "image/gif")
    files["/mmbiz_png/qr/640?wx_fmt=png"] = (kit.qr, "image/png")
    files["/mmbiz_jpg/decoy/640?wx_fmt=jpeg"] = (kit.decoy, "image/jpeg")
    files["/mmhead/avatar/132"] = (kit.avatar, "image/jpeg")
    w = kit.sizes[0][0]
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title></title>
<meta property="og:title" content="{TITLE}，来了！">
<meta property="og:url" content="http://{{HOST}}/s/Xy7Qz2">
<meta property="og:article:author" content="法院之声">
</head><body id="activity-detail" class="zh_CN">
<div class="rich_media_inner"><div id="page-content" class="rich_media_area_primary">
<h1 class="rich_media_title" id="activity-name">
  {TITLE}，来了！
</h1>
<div id="meta_content" class="rich_media_meta_list">
  <span class="rich_media_meta rich_media_meta_text">法院之声编辑部</span>
  <span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a id="js_name">法院之声</a></span>
  <em id="publish_time" class="rich_media_meta rich_media_meta_text">2022-01-14 08:21</em>
  <img class="profile_avatar" id="js_profile_avatar" src="http://{{HOST}}/mmhead/avatar/132" width="64" height="64">
</div>
<div class="rich_media_content" id="js_content">
<p><img class="__bg_gif rich_pages wxw-img" data-ratio="{90 / w:.4f}" data-w="{w}" data-type="gif"
  data-src="http://{{HOST}}/mmbiz_gif/banner/0?wx_fmt=gif"></p>
<p>点击上方蓝字关注我们</p>
<p>1月14日，最高人民法院发布助力中小微企业发展的指导意见，一起来看。</p>
{"".join(body)}
<p>长按识别二维码，关注我们</p>
<p><img class="rich_pages wxw-img" data-ratio="1" data-w="{w}" data-type="png"
  data-src="http://{{HOST}}/mmbiz_png/qr/640?wx_fmt=png"></p>
<p>编辑：示例</p>
</div>
<div class="rich_media_tool" id="js_toolbar"><a class="share_btn">分享</a><a>在看</a></div>
</div></div>
<div class="rich_media_extra" id="js_related_area">
  <div class="weui-loadmore"><span>相关阅读</span></div>
  <a href="/s/other"><img data-src="http://{{HOST}}/mmbiz_jpg/decoy/640?wx_fmt=jpeg" data-w="{w}"
    data-ratio="{kit.sizes[0][1] / w:.4f}"><p>优化营商环境十条</p></a>
</div>
<script>var msg_title = '{TITLE}，来了！'.html(false);</script>
</body></html>
"""
    return Page(
        "public-account",
        "/s/Xy7Qz2",
        _fill(html, port),
        files,
        poster_paths=tuple(posters),
        title=f"{TITLE}，来了！",
    )


# --------------------------------------------------------------------------- news portal


def news_portal(kit: Kit, port: int) -> Page:
    """A news portal: the count only in a <title> that carries the site's name, protocol-relative
    src, a lazy image whose URL only its <noscript> copy has, a srcset, a poster as a CSS
    background, the author's avatar, share icons, a logo, and related reading with a decoy."""
    files: dict[str, tuple[bytes, str]] = {}
    posters = []
    body = []
    for i, (data, (w, h)) in enumerate(zip(kit.posters, kit.sizes), start=1):
        path = f"/img/2022/01/14/p{i:02d}"
        files[path] = (data, "image/jpeg")
        posters.append(path)
        if i == 3:  # lazy-loaded: the real URL only in the <noscript> fallback
            body.append(
                f'<p><img class="lazyload" src="/static/images/loading.gif" width="{w}" height="{h}">'
                f'<noscript><img src="//{{HOST}}{path}" width="{w}" height="{h}"></noscript></p>'
            )
        elif i == 6:  # a srcset whose largest candidate is the poster
            files[path + "_s"] = (kit.icon, "image/png")
            body.append(f'<p><img srcset="//{{HOST}}{path}_s 120w, //{{HOST}}{path} {w}w" src="//{{HOST}}{path}_s"></p>')
        elif i == 9:  # a block whose CSS background is the poster
            body.append(
                f'<div class="poster-block" style="background-image: url(\'//{{HOST}}{path}\'); '
                f'width: {w}px; height: {h}px"></div>'
            )
        else:
            body.append(f'<p style="text-align: center"><img src="//{{HOST}}{path}" alt="" width="{w}" height="{h}"></p>')
    for name, data, ctype in (
        ("/static/images/logo.png", kit.logo, "image/png"),
        ("/static/images/loading.gif", kit.icon, "image/png"),
        ("/static/share/wechat.png", kit.icon, "image/png"),
        ("/static/share/weibo.png", kit.icon, "image/png"),
        ("/avatar/ed-zhang.jpg", kit.avatar, "image/jpeg"),
        ("/img/2022/01/13/related-p1", kit.decoy, "image/jpeg"),
    ):
        files[name] = (data, ctype)
    w, h = kit.sizes[0]
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{TITLE}，来了！_新闻频道_某某网</title>
<meta name="keywords" content="中小微企业,司法">
<meta name="author" content="张编辑">
<meta property="article:published_time" content="2022-01-14T08:21:39+08:00">
<link rel="canonical" href="http://{{HOST}}/news/2022/01/14/content_20.html">
</head><body>
<header class="site-header"><a href="/"><img class="logo" src="/static/images/logo.png"></a>
<nav><a href="/news">新闻</a><a href="/gov">政务</a></nav></header>
<div class="container"><div class="main-content">
<div class="article-info">
  <span class="time">2022-01-14 08:21</span>
  <span class="source">来源：人民法院报</span>
  <span class="author-box"><img class="author-avatar" src="/avatar/ed-zhang.jpg" width="40" height="40">张编辑</span>
</div>
<div class="share-bar"><img src="/static/share/wechat.png" alt="分享到微信"><img src="/static/share/weibo.png"></div>
<div class="article-content">
<p>本网讯 最高人民法院1月14日召开新闻发布会，发布指导意见。</p>
{"".join(body)}
<p class="editor">责任编辑：张编辑</p>
</div>
<div class="related-news"><h3>相关阅读</h3>
<ul><li><a href="/news/2022/01/13/c19.html"><img src="//{{HOST}}/img/2022/01/13/related-p1" width="{w}" height="{h}">
优化营商环境十条</a></li></ul></div>
</div></div>
<footer><p>某某网 版权所有</p></footer>
</body></html>
"""
    return Page(
        "news-portal",
        "/news/2022/01/14/content_20.html",
        _fill(html, port),
        files,
        poster_paths=tuple(posters),
        title=f"{TITLE}，来了！",
    )


# --------------------------------------------------------------------------- government site


def government(kit: Kit, port: int, lead: str = "提出二十条举措", title: str | None = None) -> Page:
    """A government site: GBK-encoded, a <title> without the count, the count only in the first
    paragraph, images as ../../../p01.jpg against a <base href>, a site badge in the footer and
    related documents with a decoy."""
    files: dict[str, tuple[bytes, str]] = {}
    posters = []
    body = []
    for i, data in enumerate(kit.posters, start=1):
        files[f"/gov/p{i:02d}.jpg"] = (data, "image/jpeg")
        posters.append(f"/gov/p{i:02d}.jpg")
        body.append(f'<p align="center"><img src="../../../p{i:02d}.jpg" border="0" oldsrc="W0{i}.jpg"></p>')
    files["/gov/images/dzjg.png"] = (kit.logo, "image/png")
    files["/gov/images/related-1.jpg"] = (kit.decoy, "image/jpeg")
    page_title = title or "最高人民法院印发《关于充分发挥司法职能作用助力中小微企业发展的指导意见》"
    html = f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta name="ArticleTitle" content="{page_title}">
<meta name="PubDate" content="2022-01-14 08:21">
<meta name="ContentSource" content="最高人民法院">
<title>{page_title}_政务公开_某某省人民政府</title>
<base href="http://{{HOST}}/gov/zwgk/2022-01/14/">
</head><body>
<div class="header"><img src="../../../images/dzjg.png" class="logo"></div>
<div class="pages-title">{page_title}</div>
<div class="pages-date">2022-01-14 08:21 <span class="font">来源：最高人民法院</span></div>
<div class="pages_content" id="UCAP-CONTENT">
<p>为深入贯彻党中央决策部署，最高人民法院印发指导意见，{lead}，助力中小微企业发展。</p>
<p>各级人民法院要切实抓好贯彻落实。</p>
{"".join(body)}
</div>
<div class="xgwj"><span>相关文件</span>
<p><a href="../13/c1.htm"><img src="../../../images/related-1.jpg">关于优化营商环境的十条措施</a></p></div>
<div class="footer"><p>主办：某某省人民政府办公厅</p></div>
</body></html>
"""
    return Page(
        "government",
        "/gov/c/content_5.htm",
        _fill(html, port),
        files,
        charset="gb18030",
        poster_paths=tuple(posters),
        title=page_title,
        promise_source="lead",
    )


STRUCTURES = {"public-account": public_account, "news-portal": news_portal, "government": government}


# --------------------------------------------------------------------------- saved pages


def mhtml(page: Page, server) -> bytes:
    """The page as Chrome's "Save as, single file" writes it: a multipart/related message whose
    first part is the page and whose other parts are its images, each at its web address."""
    boundary = "----MultipartBoundary--ocrpipeTestBoundary21----"
    url = page.url(server)
    out = [
        "From: <Saved by Blink>",
        "Snapshot-Content-Location: " + url,
        "Subject: =?utf-8?Q?saved?=",
        "Date: Fri, 14 Jan 2022 09:00:00 +0800",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{boundary}"',
        "",
        "",
        f"--{boundary}",
        f"Content-Type: text/html; charset={page.charset}",
        "Content-ID: <frame-main@mhtml.blink>",
        "Content-Transfer-Encoding: quoted-printable",
        f"Content-Location: {url}",
        "",
        quopri.encodestring(page.encoded()).decode("ascii"),
    ]
    for path, (data, ctype) in page.files.items():
        out += [
            f"--{boundary}",
            f"Content-Type: {ctype}",
            "Content-Transfer-Encoding: base64",
            f"Content-Location: {server.url(path)}",
            "",
            base64.encodebytes(data).decode("ascii"),
        ]
    out.append(f"--{boundary}--")
    return "\r\n".join(out).encode("ascii")


def save_complete(page: Page, server, folder: Path) -> Path:
    """The page as "Webpage, complete" saves it: page.html with image URLs rewritten to ./page_files/."""
    files_dir = folder / "page_files"
    files_dir.mkdir(parents=True)
    html = page.html
    html = html.replace("<html", f"<!-- saved from url=(0000){page.url(server)} -->\n<html", 1)
    names = {}
    for n, (path, (data, _ctype)) in enumerate(page.files.items()):
        names[path] = f"{n:02d}-{path.split('?', 1)[0].rsplit('/', 1)[-1]}"
        (files_dir / names[path]).write_bytes(data)
    for path in sorted(names, key=len, reverse=True):  # p06_s before p06
        for written in (server.url(path), f"//127.0.0.1:{server.port}{path}"):
            html = html.replace(written, f"./page_files/{names[path]}")
    if "<base " in html:  # a saved page's <base> would send the relative paths back to the web
        html = html.replace('<base href="', '<base data-saved-href="')
        for n, (path, _v) in enumerate(page.files.items()):
            rel = "../../../" + path.removeprefix("/gov/")
            name = f"{n:02d}-{path.rsplit('/', 1)[-1]}"
            html = html.replace(f'"{rel}"', f'"./page_files/{name}"')
    target = folder / "page.html"
    target.write_bytes(html.encode(page.charset))
    return target


def decoded_sizes(data: bytes) -> tuple[int, int]:
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    return arr.shape[1], arr.shape[0]
