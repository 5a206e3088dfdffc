"""A corpus of hostile text: XSS and injection payloads for every user text field.

Each payload is a template with `{m}` where a distinctive marker goes (`HXM042`), placed
inside the dangerous construct where possible: if the app ever interpreted the payload as
HTML or markdown, the marker would vanish into an attribute or a script (and a script
would set `window.__pwned`); shown as text, the marker is visible. `payload(n)` fills the
template; `refusal(text, limit)` says which sentence the server must answer with when the
text breaks the README's rules (control characters, over-long), or None when it must be
accepted and shown as text.
"""

from __future__ import annotations

import re
import unicodedata

from safeguards.config import username_problem
from safeguards.textrules import SINGLE_LINE

MARK = "HXM"  # text payloads: HXM000 ...
USER_MARK = "HXU"  # usernames: HXU000 ...

# fmt: off
TEMPLATES: tuple[str, ...] = (
    # script tags
    "<script>window.__pwned='{m}'</script>",
    "<SCRIPT SRC=//x.invalid/{m}.js></SCRIPT>",
    "<scr<script>ipt>window.__pwned='{m}'</scr</script>ipt>",
    "\"><script>window.__pwned='{m}'</script>",
    "'><script>window.__pwned='{m}'</script>",
    "</textarea><script>window.__pwned='{m}'</script>",
    "</title></style><script>window.__pwned='{m}'</script>",
    "<img \"\"\"><script>window.__pwned='{m}'</script>\">",
    # event handlers
    "<img src=x onerror=\"window.__pwned='{m}'\">",
    "<img src=x onerror=alert('{m}')>",
    "<IMG SRC=x OnErRoR=window.__pwned='{m}'>",
    "<img src=x onerror=\"&#119;indow.__pwned='{m}'\">",
    "<img src=x onerror=window.__pwned='{m}'",
    "<body onload=\"window.__pwned='{m}'\">",
    "<details open ontoggle=\"window.__pwned='{m}'\">x</details>",
    "<input autofocus onfocus=\"window.__pwned='{m}'\">",
    "<video><source onerror=\"window.__pwned='{m}'\"></video>",
    "<audio src=x onerror=\"window.__pwned='{m}'\">",
    "<marquee onstart=\"window.__pwned='{m}'\">{m}</marquee>",
    "<div onmouseover=\"window.__pwned='{m}'\" style=\"position:fixed;inset:0\">x</div>",
    "<!--<img src=\"--><img src=x onerror=window.__pwned='{m}'//\">",
    # SVG
    "<svg onload=\"window.__pwned='{m}'\">",
    "<svg/onload=window.__pwned='{m}'>",
    "<svg><script>window.__pwned='{m}'</script></svg>",
    "<svg><a xlink:href=\"javascript:window.__pwned='{m}'\"><text y=20>{m}</text></a></svg>",
    "<svg><animate onbegin=\"window.__pwned='{m}'\" attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned='{m}'>",
    # javascript: and data: links, frames and objects
    "<a href=\"javascript:window.__pwned='{m}'\">click</a>",
    "<IMG SRC=JaVaScRiPt:window.__pwned='{m}'>",
    "<iframe src=\"javascript:window.top.__pwned='{m}'\"></iframe>",
    "<iframe srcdoc=\"<script>parent.__pwned='{m}'</script>\"></iframe>",
    "<object data=\"javascript:window.__pwned='{m}'\"></object>",
    "<embed src=\"javascript:window.__pwned='{m}'\">",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">{m}</a>",
    "<form action=\"javascript:window.__pwned='{m}'\"><button>go</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__pwned='{m}'\">",
    "<base href=\"javascript:window.__pwned='{m}'//\">",
    "javascript:window.__pwned='{m}'",
    # markdown links and images
    "[click](javascript:window.__pwned='{m}')",
    "[click](JAVASCRIPT:window.__pwned='{m}')",
    "![pic](x\" onerror=\"window.__pwned='{m}')",
    "![pic](javascript:window.__pwned='{m}')",
    "![tracker](https://x.invalid/{m}.png)",
    "[plain link](https://x.invalid/{m})",
    "[ref][r]\n\n[r]: javascript:window.__pwned='{m}'",
    "<javascript:window.__pwned='{m}'>",
    "[t](https://x.invalid \"a\" onmouseover=\"window.__pwned='{m}'\")",
    "\n\n<div>\n<script>window.__pwned='{m}'</script>\n</div>\n\n",
    "# {m} heading\n\n<img src=x onerror=window.__pwned=1>",
    "`code` <img src=x onerror=window.__pwned='{m}'> `code`",
    "$$\\href{{javascript:window.__pwned='{m}'}}{{x}}$$",
    # CSS
    "<style>body{{display:none}}</style>{m}",
    "<div style=\"background:url(javascript:window.__pwned='{m}')\">x</div>",
    "<link rel=stylesheet href=\"https://x.invalid/{m}.css\">",
    "<p style=\"position:fixed;top:0;left:0;width:100%;height:100%;z-index:9\">{m}</p>",
    # templates, encodings, look-alikes
    "{{{{constructor.constructor('window.__pwned=\"{m}\"')()}}}}",
    "${{window.__pwned='{m}'}}",
    "&lt;script&gt;window.__pwned='{m}'&lt;/script&gt;",
    "&#60;img src=x onerror=window.__pwned='{m}'&#62;",
    "\\u003cscript\\u003ewindow.__pwned='{m}'\\u003c/script\\u003e",
    "%3Cscript%3Ewindow.__pwned='{m}'%3C/script%3E",
    "\uff1cscript\uff1ewindow.__pwned='{m}'\uff1c/script\uff1e",
    "{m}\u200b<\u200bscript>window.__pwned=1</script>",
    # unicode direction overrides
    "\u202e{m}gnp.exe",
    "\u202a\u202b\u202d\u2066\u2067\u2068 {m} \u2069\u200e\u200f",
    "abc\u202e<script>{m}</script>\u202c",
    # injection into the log, the queue, the shell and SQL
    "{m}\"}},{{\"type\":\"moderation.action\",\"actor\":\"mod-ana\"}}",
    "{m}\n{{\"id\":\"forged\",\"ts\":\"2000-01-01T00:00:00.000000Z\",\"actor\":\"mod-ana\","
    "\"type\":\"moderation.action\",\"payload\":{{}}}}",
    "{m}' OR '1'='1'; DROP TABLE reports;--",
    "../../../../etc/passwd {m}",
    "$(touch /tmp/pwned-{m}) `id`",
    "{m}\r\nX-Injected: 1\r\n\r\n<script>window.__pwned=1</script>",
    # very long (within the comment limit, over the title/note/reason limits)
    "{m}" + "<b>" * 1200 + "{m}",
    # refused everywhere: over every limit, NUL, ANSI escape, C1 control
    "{m}" + "A" * 5001,
    "{m}\x00<script>window.__pwned=1</script>",
    "\x1b[31m{m}\x1b[0m",
    "{m}\x85next line",
)
# fmt: on

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def marker(n: int, prefix: str = MARK) -> str:
    return f"{prefix}{n:03d}"


def payload(n: int, prefix: str = MARK) -> str:
    return TEMPLATES[n].format(m=marker(n, prefix))


def payloads(prefix: str = MARK) -> list[tuple[str, str]]:
    """(marker, text) for every template."""
    return [(marker(n, prefix), payload(n, prefix)) for n in range(len(TEMPLATES))]


def stored_form(text: str, field: str | None = None) -> str:
    """What the server keeps of an accepted text (README: CRLF folded, NFC, trimmed; a
    one-line field such as a title has its runs of blanks and newlines made one space)."""
    kept = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return " ".join(kept.split()) if field in SINGLE_LINE else kept


def refusal(text: str, limit: int, field: str | None = None) -> str | None:
    """The sentence the server must answer with for `text` in `field`, of `limit`
    characters, or None if the text must be accepted."""
    if _CONTROL.search(stored_form(text)):
        return "control characters"
    if len(stored_form(text, field)) > limit:
        return "too long"
    return None


def username_ok(name: str) -> bool:
    """Whether an accounts file (`username:password` lines, `#` comments, stripped) and a
    comma-separated moderator list can hold this name unchanged."""
    return (
        bool(name)
        and name == name.strip()
        and not name.startswith("#")
        and not any(c in name for c in ":,\n\r")
        and not _CONTROL.search(name)
        and len(name) <= 120
        and username_problem(name) is None  # refused at start-up: tests/test_identity.py
    )


def hostile_usernames() -> list[tuple[str, str]]:
    """(marker, name) for every payload the accounts format can hold as a username."""
    return [(m, text) for m, text in payloads(USER_MARK) if username_ok(text)]
