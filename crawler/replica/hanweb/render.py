"""Bytes of the provincial replica's pages, in the manner of Hanweb JCMS sites (domain.md §5).

List pages carry their items as CDATA inside `<script type="text/xml"><datastore>`; the dataproxy answers XML
with the same records; articles come with or without the ArticleTitle / PubDate / ContentSource meta tags.
"""

from __future__ import annotations

from html import escape

from crawler.replica.hanweb.generator import COLUMN_BY_ID, NOTICES, PAGE_SIZE, WEBNAME, Column, Item
from crawler.replica.hanweb.notices import ISSUER, Notice

NOT_FOUND = b"<html><head><title>404</title></head><body><h1>404 Not Found</h1></body></html>\n"
# What a web application firewall answers a script it does not like: a page of its own, never the content.
WAF = ("<html><head><meta charset=\"utf-8\"><title>访问被拒绝</title></head><body><div class=\"waf\">"
       "<h2>您的访问请求可能对网站造成安全威胁，已被拦截。</h2><p>事件编号：{code}</p></body></html>\n")
ROBOTS = b"User-agent: *\nDisallow: /module/web/jpage/\nAllow: /module/web/jpage/dataproxy.jsp\n"
TOP = (f'<div class="head"><img src="/images/logo.png" alt="{WEBNAME}"/><ul class="nav"><li><a href="/">首页</a></li>'
       '<li><a href="/col/col3577/index.html?uid=18462&pageNum=1">基层动态</a></li>'
       '<li><a href="/col/col3580/index.html?uid=18466&pageNum=1">通知公告</a></li></ul></div>\n')
FOOT = ('<div class="foot">主办单位：江苏省总工会 地址：南京市建邺路 版权所有 江苏工会网<br/>'
        '苏ICP备00000000号</div>\n')


def text(value: str) -> str:
    """Page text as the CMS writes it: escaped, a run of two spaces as &nbsp;&nbsp;."""
    return escape(value, quote=False).replace("  ", "&nbsp;&nbsp;")


def record(href: str, title: str, day: str) -> str:
    return (f'<record><![CDATA[<li><a href="{escape(href)}" title="{escape(title)}" target="_blank">'
            f'{text(title)}</a><span class="bt-data-time">{day}</span></li>]]></record>')


def _records(rows: list[tuple[str, str, str]]) -> str:
    return "\n".join(record(*row) for row in rows)


def list_page(column: Column, page: int, rows: list[tuple[str, str, str]], total: int) -> bytes:
    """Page `page` of a column's list: the datastore block, then the pager script."""
    pages = max(1, -(-total // PAGE_SIZE))
    proxy = (f"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid={column.id}"
             f"&unitid={column.uid}&webname={WEBNAME}&permissiontype=0")
    html = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8"/>\n'
        f'<title>{column.name}-{WEBNAME}</title>\n</head>\n<body>\n{TOP}'
        f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/col/col{column.id}/index.html">'
        f'{column.name}</a></div>\n<div class="list" id="{column.uid}">'
        f'<script type="text/xml"><datastore>\n<nextgroup><![CDATA[<a href="{escape(proxy)}"></a>]]></nextgroup>\n'
        f'<recordset>\n{_records(rows)}\n</recordset>\n</datastore></script>\n'
        '<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>\n'
        f'<script type="text/javascript">var jpage = {{ currentPage: {page}, totalRecord: {total}, perPage: '
        f'{PAGE_SIZE}, totalPage: {pages}, unitid: {column.uid} }};</script>\n</div>\n{FOOT}</body>\n</html>\n'
    )
    return html.encode("utf-8")


def dataproxy(rows: list[tuple[str, str, str]], total: int, perpage: int) -> bytes:
    pages = max(1, -(-total // max(1, perpage)))
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<totalrecord>{total}</totalrecord>\n'
           f'<totalpage>{pages}</totalpage>\n<recordset>\n{_records(rows)}\n</recordset>\n</datastore>\n')
    return xml.encode("utf-8")


def _page(title: str, column: Column, day: str, time: str, source: str | None, label: str, meta: bool,
          body: str) -> bytes:
    tags = ""
    if meta:
        tags = (f'<meta name="SiteName" content="{WEBNAME}"/>\n<meta name="ColumnName" content="{column.name}"/>\n'
                f'<meta name="ArticleTitle" content="{escape(title)}"/>\n<meta name="PubDate" content="{day} {time}"/>\n'
                f'<meta name="ContentSource" content="{escape(source or "")}"/>\n')
    begin, end = ('<meta name="ContentStart"/>', '<meta name="ContentEnd"/>') if meta else \
        ("<!--ZJEG_RSS.content.begin-->", "<!--ZJEG_RSS.content.end-->")
    info = (f'<span>发布日期：{day}</span>&nbsp;&nbsp;<span>{label}：{text(source or "")}</span>&nbsp;&nbsp;'
            '<span>浏览次数：<script type="text/javascript" src="/module/visitcount/articlehits.jsp"></script></span>')
    html = (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>\n'
        f'<title>{text(title)}</title>\n{tags}</head>\n<body>\n{TOP}'
        f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/col/col{column.id}/index.html">'
        f'{column.name}</a></div>\n<div class="article">\n<h1 class="art-title">{text(title)}</h1>\n'
        f'<div class="art-info">{info}</div>\n<div class="art-body" id="zoom">{begin}\n{body}{end}</div>\n'
        '<div class="art-tools"><a href="javascript:window.print()">打印本页</a> '
        f'<a href="javascript:window.close()">关闭窗口</a></div>\n</div>\n{FOOT}</body>\n</html>\n'
    )
    return html.encode("utf-8")


def article(item: Item) -> bytes:
    out, picture = [], 0
    for block in item.blocks:
        if block is None:
            picture += 1
            out.append(f'<p style="text-align:center"><img src="/picture/0/{item.id}_{picture}.jpg" border="0"/></p>')
        else:
            out.append(f'<p style="text-indent:2em">{text(block)}</p>')
    out += [f'<p style="text-align:right">{text(line)}</p>' for line in item.closing]
    return _page(item.title, COLUMN_BY_ID[item.column], item.date, item.time, item.source, item.source_label,
                 item.meta, "\n".join(out) + "\n")


def notice(n: Notice) -> bytes:
    if n.page is not None:
        return n.page
    out = [f'<p style="text-align:center">{text(n.number)}</p>']
    out += [f"<p>{text(p)}</p>" for p in n.paragraphs]
    for a in n.attachments:
        out.append(f'<p>附件：<a href="{escape(a.path)}" target="_blank">{text(a.label)}</a></p>')
    out += [f'<p style="text-align:right">{ISSUER}</p>', f'<p style="text-align:right">{n.date}</p>']
    return _page(n.title, NOTICES, n.date, "10:00", "江苏省总工会", "来源", True, "\n".join(out) + "\n")



def waf(code: str) -> bytes:
    return WAF.format(code=code).encode("utf-8")
