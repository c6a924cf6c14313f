"""HTML of the replica's pages, read top to bottom like the real site (domain.md §2).

Legacy pages keep the real template's hooks (`div.title h1`, `div.content`); 长者模式 pages use other
markup, so a reader has to fall back to the 发布日期 / 来源 labels. Every function returns encoded bytes and
depends only on its arguments, so the same replica always serves the same bytes.
"""

from __future__ import annotations

from html import escape

from crawler.replica.generator import (
    COLUMN_BY_CODE,
    COLUMN_BY_KEY,
    PAGE_SIZE,
    Article,
    Column,
    ReplicaSite,
    list_path,
)

# Codes the navigation links to that list nothing the tracker scores.
OTHER_LISTS = {"IKCBLDCR": "部门专栏", "KEBMLDDF": "公告文件", "KEBNLDDG": "维权热线"}
PARENT_CODES = {"工会新闻": "IKCALDCQ", "部门专栏": "IKCBLDCR"}
ROBOTS = b"User-agent: *\nDisallow: /admin/\nDisallow: /__replica__/\n"
NOT_FOUND = (b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>"
             b"\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
SERVER_ERROR = (b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal "
                b"Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
# A 1x1 transparent GIF stands in for every uploaded picture.
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
         b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
LIST_TITLE_CHARS = 30

DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
           '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n')
TODAY_SCRIPT = ('<script type="text/javascript">var d=new Date();document.getElementById("today").innerHTML='
                'd.getFullYear()+"年"+(d.getMonth()+1)+"月"+d.getDate()+"日";</script>\n')
TOP = '<div class="top"><div class="welcome">欢迎访问常州市总工会! 今天是: <span id="today"></span></div></div>\n'
NAV = ('<div class="nav"><a href="/">首页</a>&nbsp;&nbsp;<a href="/html/czgh/KEBLLDDH/index.html">工会要闻</a>&nbsp;&nbsp;'
       '<a href="/html/czgh/KEBQLDDJ/index.html">基层动态</a>&nbsp;&nbsp;<a href="/html/czgh/KEBMLDDF/index.html">公告文件</a>'
       '&nbsp;&nbsp;<a href="/html/czgh/KEBNLDDG/index.html">维权热线</a>&nbsp;&nbsp;<a href="#">[普惠商城]</a></div>\n')
FOOTER = ('<div class="footer">主办单位:常州市总工会&nbsp;&nbsp;地址:常州市和平北路166号&nbsp;&nbsp;邮编:213003'
          '<br />苏ICP备05003616号-2</div>\n')
FONT_SIZES = ('字号:〖<a href="javascript:fontZoom(16)">默认</a> <a href="javascript:fontZoom(24)">超大</a> '
              '<a href="javascript:fontZoom(20)">大</a> <a href="javascript:fontZoom(16)">中</a> '
              '<a href="javascript:fontZoom(14)">小</a>〗')


def text(value: str) -> str:
    """Escape page text; a run of two spaces is written as &nbsp;&nbsp; the way the CMS does."""
    return escape(value, quote=False).replace("  ", "&nbsp;&nbsp;")


def _head(title: str, charset: str = "utf-8") -> str:
    return (f'{DOCTYPE}<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
            f'<title>{text(title)}-常州市总工会</title>\n'
            '<link href="/css/czgh.css" rel="stylesheet" type="text/css" />\n</head>\n<body>\n')


def _crumb(column: Column, tail: str | None) -> str:
    parent = f'<a href="/html/czgh/{PARENT_CODES[column.parent]}/index.html">{column.parent}</a> &gt;&gt; ' \
        if column.parent else ""
    own = f'<a href="/html/czgh/{column.code}/index.html">{column.name}</a>'
    end = f" &gt;&gt; {tail}" if tail else ""
    return f'<div class="position">您的位置:<a href="/">首页</a> &gt;&gt; {parent}{own}{end}</div>\n'


def _meta(article: Article, sep: str) -> list[str]:
    """The 发布日期 and 来源 parts of the metadata line."""
    parts = [f"发布日期:{article.date}"]
    if article.source_label:
        parts.append(f"{article.source_label}:{text(article.source or '')}")
    return parts + [sep] if sep else parts


def _body(article: Article) -> str:
    out, picture = [], 0
    for block in article.blocks:
        if block is None:
            picture += 1
            src = f"/uploadfile/{article.date[:4]}/{article.date[5:7]}{article.date[8:]}/{article.id}_{picture}.jpg"
            out.append(f'<p style="text-align:center"><img src="{src}" width="600" border="0" alt="" /></p>')
        else:
            out.append(f"<p>\u3000\u3000{text(block)}</p>")
    out += [f'<p style="text-align:right">{text(line)}</p>' for line in article.closing]
    return "\n".join(out) + "\n"


def _encode(html: str, article: Article) -> bytes:
    return html.encode("gbk" if article.charset == "gbk" else "utf-8")


def _declared(article: Article) -> str:
    return "gb2312" if article.charset == "gbk" else "utf-8"


def legacy_article(article: Article) -> bytes:
    """The article at its legacy static URL, in its primary column."""
    column = COLUMN_BY_CODE[article.column_code]
    subtitle = f'\n<div class="subtitle">——{text(article.subtitle)}</div>' if article.subtitle else ""
    meta = "&nbsp;&nbsp;&nbsp;".join(_meta(article, f'浏览次数:<span id="hits"></span>&nbsp;&nbsp;&nbsp;{FONT_SIZES}'))
    html = (
        _head(article.title, _declared(article)) + TOP + NAV + _crumb(column, "内容")
        + f'<div class="main">\n<div class="title"><h1>{text(article.title)}</h1>{subtitle}</div>\n'
        + f'<div class="info">{meta}</div>\n<div class="content" id="zoom">\n{_body(article)}</div>\n'
        + '<div class="tools">【<a href="javascript:window.print()">打印本页</a>】'
        + '【<a href="javascript:window.close()">关闭窗口</a>】</div>\n</div>\n' + FOOTER + TODAY_SCRIPT
        + "</body>\n</html>\n"
    )
    return _encode(html, article)


def suitable_article(article: Article, catid: int) -> bytes:
    """The article in 长者模式, in the layout the article was given (new or old)."""
    column = next((c for c in COLUMN_BY_KEY.values() if c.catid == catid), COLUMN_BY_CODE[article.column_code])
    if article.layout == "old":
        return _suitable_old(article)
    subtitle = f'<h3 class="sui-subtitle">——{text(article.subtitle)}</h3>\n' if article.subtitle else ""
    meta = "&nbsp;&nbsp;".join(f"<span>{part}</span>" for part in _meta(article, ""))
    html = (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{_declared(article)}" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f'<title>{text(article.title)}_常州市总工会</title>\n</head>\n<body class="suitable">\n'
        '<header class="sui-top"><span class="sui-site">常州市总工会</span> '
        f'<a class="sui-exit" href="{article.legacy_path}">退出长者模式</a></header>\n'
        f'<nav class="sui-crumb">当前位置：<a href="/">首页</a> &gt; {column.name}</nav>\n'
        f'<article class="sui-article">\n<h2 class="sui-title">{text(article.title)}</h2>\n{subtitle}'
        f'<div class="sui-meta">{meta}</div>\n<div class="sui-text">\n{_body(article)}</div>\n</article>\n'
        '<footer class="sui-foot"><p>主办单位:常州市总工会&nbsp;&nbsp;承办单位:常州市大数据管理中心</p>'
        '<p>苏ICP备05003616号-2</p></footer>\n</body>\n</html>\n'
    )
    return _encode(html, article)


def _suitable_old(article: Article) -> bytes:
    subtitle = f'<tr><td class="fbt">——{text(article.subtitle)}</td></tr>\n' if article.subtitle else ""
    meta = " ".join(_meta(article, "|"))
    html = (
        f'<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset={_declared(article)}" />\n'
        f'<title>长者模式</title>\n</head>\n<body>\n<table width="100%" class="sui-old">\n'
        '<tr><td class="logo">常州市总工会长者模式 <a href="/">返回首页</a></td></tr>\n'
        f'<tr><td class="bt">{text(article.title)} |</td></tr>\n{subtitle}'
        f'<tr><td class="sj">{meta}</td></tr>\n<tr><td class="nr">\n{_body(article)}</td></tr>\n'
        '<tr><td class="bq">版权所有:常州市总工会</td></tr>\n</table>\n</body>\n</html>\n'
    )
    return _encode(html, article)


def _list_item(article: Article, key: str, broken: bool) -> str:
    title = article.title
    short = title if len(title) <= LIST_TITLE_CHARS else title[: LIST_TITLE_CHARS - 1] + "…"
    date = f'<span class="date">{article.date}</span>'
    if broken:
        return f'<li><span class="t" data-id="{article.id}">{text(short)}</span>{date}</li>'
    href = escape(article.link_in(key))
    return f'<li><a href="{href}" title="{escape(title)}" target="_blank">{text(short)}</a>{date}</li>'


def _pager(total: int, page: int, pages: int, path: str) -> str:
    def link(label: str, target: int, active: bool) -> str:
        return f'<a href="{path}{"index.html" if target == 1 else f"index_{target}.html"}">{label}</a>' if active \
            else f"<span>{label}</span>"

    return (f'<div class="page">共 {total} 条&nbsp;&nbsp;第 {page}/{pages} 页&nbsp;&nbsp;{link("首页", 1, True)}&nbsp;'
            f'{link("上一页", page - 1, page > 1)}&nbsp;{link("下一页", page + 1, page < pages)}&nbsp;'
            f'{link("尾页", pages, True)}</div>\n')


def list_page(site: ReplicaSite, key: str, page: int, broken: bool = False) -> bytes | None:
    """Page `page` of a column's list, newest first; None past the last page."""
    column = COLUMN_BY_KEY[key]
    listing = site.listing(key)
    pages = site.page_count(key)
    if not 1 <= page <= pages:
        return None
    items = "\n".join(_list_item(a, key, broken) for a in listing[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    html = (
        _head(column.name) + TOP + NAV + _crumb(column, None)
        + f'<div class="list">\n<ul>\n{items}\n</ul>\n</div>\n'
        + _pager(len(listing), page, pages, list_path(key).removesuffix("index.html")) + FOOTER + TODAY_SCRIPT
        + "</body>\n</html>\n"
    )
    return html.encode("utf-8")


def empty_list(code: str) -> bytes:
    """A list the replica keeps empty (公告文件, 维权热线, parent columns)."""
    html = (_head(OTHER_LISTS[code]) + TOP + NAV
            + f'<div class="position">您的位置:<a href="/">首页</a> &gt;&gt; {OTHER_LISTS[code]}</div>\n'
            + '<div class="list">\n<ul>\n</ul>\n</div>\n'
            + _pager(0, 1, 1, f"/html/czgh/{code}/") + FOOTER + TODAY_SCRIPT + "</body>\n</html>\n")
    return html.encode("utf-8")


def home(site: ReplicaSite) -> bytes:
    """The front page: the newest items of 工会要闻 and 基层动态."""
    blocks = []
    for key in ("ghyw", "jcdt"):
        column = COLUMN_BY_KEY[key]
        items = "\n".join(_list_item(a, key, False) for a in site.listing(key)[:8])
        blocks.append(f'<div class="block"><h3><a href="{list_path(key)}">{column.name}</a></h3>\n<ul>\n{items}\n'
                      "</ul></div>\n")
    html = _head("首页") + TOP + NAV + "".join(blocks) + FOOTER + TODAY_SCRIPT + "</body>\n</html>\n"
    return html.encode("utf-8")
