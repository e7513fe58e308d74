"""An answer shown as the student wrote it, and safe: Markdown, math, images, highlighted code, as HTML.

Markdown by markdown-it-py (CommonMark, tables, strikethrough), its `$...$`, `$$...$$` and LaTeX environments
(mdit-py-plugins' dollarmath and amsmath) turned into MathML on the server by latex2mathml, which Chromium and
Firefox draw without a script or a font from the network. Everything a student wrote then goes through nh3 (the
ammonia sanitizer): no script, no event handler, no style, and no URL that loads anything, only images inlined as
data URIs (the cells' outputs and a markdown cell's attachments, `![](attachment:plot.png)`). Code by Pygments.
The page's Content-Security-Policy (app.py) forbids the rest a second time.
"""
import functools
import html
import json
import re
from urllib.parse import unquote

import latex2mathml.converter
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

MATHML = {"math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle", "merror",
          "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
          "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "semantics", "annotation"}
MATHML_ATTRIBUTES = {"display", "displaystyle", "scriptlevel", "mathvariant", "mathsize", "stretchy", "fence",
                     "separator", "form", "lspace", "rspace", "largeop", "movablelimits", "accent", "accentunder",
                     "minsize", "maxsize", "symmetric", "width", "height", "depth", "linethickness", "notation",
                     "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
                     "columnspan", "rowspan", "encoding"}
TAGS = nh3.ALLOWED_TAGS | MATHML | {"img", "figure", "figcaption", "input"}
ATTRIBUTES = {**{tag: set(MATHML_ATTRIBUTES) for tag in MATHML}, "img": {"src", "alt", "title", "width", "height"},
              "a": {"href", "title"}, "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align"},
              "ol": {"start"}, "input": {"type", "checked", "disabled"}, "*": {"title"}}
CLASSES = {"span": {"math", "inline"}, "div": {"math", "inline", "block", "amsmath"}, "code": {"tex"},
           "pre": {"tex"}}  # this module's own; a student's class can't dress up as the page's
IMAGE = re.compile(r"data:image/(png|jpeg|gif|svg\+xml|webp);base64,[A-Za-z0-9+/=\s]+")
LINK = re.compile(r"(https?:|mailto:|#)", re.IGNORECASE)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Environments students write that latex2mathml knows under another name ("": only the formula inside).
ENVIRONMENTS = {"aligned": "align*", "alignedat": "align*", "eqnarray": "align*", "eqnarray*": "align*",
                "gather": "align*", "gather*": "align*", "gathered": "align*", "equation": "", "equation*": ""}
BEGIN_END = re.compile(r"\\(begin|end)\{(" + "|".join(map(re.escape, ENVIRONMENTS)) + r")\}(\{\d+\})?")


def _renamed(match):
    name = ENVIRONMENTS[match.group(2)]
    return f"\\{match.group(1)}{{{name}}}" if name else ""


def math(tex, display=False):
    """MathML for one formula; what latex2mathml can't read is shown as the TeX it is, marked."""
    source = BEGIN_END.sub(_renamed, tex)
    try:
        converted = latex2mathml.converter.convert(source, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any formula it can't parse (its errors have no common base)
        tag = "pre" if display else "code"
        return f'<{tag} class="tex" title="a formula that could not be drawn">{html.escape(tex)}</{tag}>'
    return converted.replace("<mi>&</mi>", "")  # a stray alignment mark outside a table


@functools.lru_cache(maxsize=1)
def _parser():
    md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(["table", "strikethrough"])
    dollarmath_plugin(md, allow_labels=True, allow_space=True, allow_digits=True, double_inline=True,
                      renderer=lambda tex, options: math(tex, options.get("display_mode", False)))
    amsmath_plugin(md, renderer=lambda tex: math(tex, True))
    return md


def sanitize(fragment, attachments=None):
    """HTML that runs nothing and loads nothing: nh3 with the tags above; an image only from a data URI (or a
    markdown cell's attachment, inlined), a link only to http(s), mailto or an anchor."""
    attachments = attachments or {}

    def keep(tag, attribute, value):
        if tag == "img" and attribute == "src":
            if value.startswith("attachment:"):
                found = attachments.get(unquote(value[len("attachment:"):]))
                value = f"data:{found['mime']};base64,{found['image']}" if found and "image" in found else ""
            return value if IMAGE.fullmatch(value) else None
        if attribute == "href":
            return value if LINK.match(value) else None
        if tag == "input":  # a task list's checkbox, never a field of the grader's form
            return value if attribute != "type" or value == "checkbox" else None
        return value

    return Markup(nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=keep, allowed_classes=CLASSES,
                            url_schemes={"http", "https", "mailto", "data", "attachment"},
                            link_rel="noopener noreferrer nofollow", strip_comments=True))


def markdown(text, attachments=None):
    return _markdown(text, json.dumps(attachments, sort_keys=True) if attachments else "")


@functools.lru_cache(maxsize=1024)  # a grader goes back and forth between the same answers
def _markdown(text, attachments):
    return sanitize(_parser().render(text), json.loads(attachments) if attachments else None)


@functools.lru_cache(maxsize=1024)
def code(source):
    return Markup(highlight(source, _LEXER, _FORMATTER))


_LEXER, _FORMATTER = PythonLexer(), HtmlFormatter(cssclass="highlight")


def image_src(output):
    """The data URI of an output's image (answers.py keeps PNG, JPEG, GIF and SVG, as base64)."""
    uri = f"data:{output.get('mime', 'image/png')};base64,{output['image']}"
    return uri if IMAGE.fullmatch(uri) else ""


def text(output):
    """A stream's text without the terminal's colour codes (Keras' progress bars, tracebacks)."""
    return ANSI.sub("", output)


def stylesheet():
    """Pygments' colours for the highlighted code."""
    return HtmlFormatter(cssclass="highlight").get_style_defs(".highlight")
