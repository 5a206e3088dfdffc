"""Icons as inline SVG: they render on every machine (no emoji font needed) and take the
text colour, so they read in light and dark themes. Decorative only: every icon sits next
to a word or carries an `aria-label`-ed parent, never meaning on its own."""

from __future__ import annotations

# 24x24 outline paths (drawn for this app), stroked in the current text colour.
_PATHS: dict[str, str] = {
    "model": (  # a cube
        '<path d="M12 2.5 20.5 7v10L12 21.5 3.5 17V7z"/><path d="M3.5 7 12 11.5 20.5 7"/>'
        '<path d="M12 11.5v10"/>'
    ),
    "dataset": (  # a database cylinder
        '<ellipse cx="12" cy="5.5" rx="7.5" ry="3"/>'
        '<path d="M4.5 5.5v13c0 1.7 3.4 3 7.5 3s7.5-1.3 7.5-3v-13"/>'
        '<path d="M4.5 12c0 1.7 3.4 3 7.5 3s7.5-1.3 7.5-3"/>'
    ),
    "space": (  # four tiles, one raised
        '<rect x="3" y="3" width="7.5" height="7.5" rx="1.5"/>'
        '<rect x="3" y="13.5" width="7.5" height="7.5" rx="1.5"/>'
        '<rect x="13.5" y="13.5" width="7.5" height="7.5" rx="1.5"/>'
        '<path d="m15 4.5 2.2 2.2L21 3"/>'
    ),
    "download": '<path d="M12 3v12"/><path d="m6.5 10 5.5 5.5 5.5-5.5"/><path d="M4 20.5h16"/>',
    "heart": (
        '<path d="M12 20.5s-8-4.7-8-10.6C4 7 6.1 5 8.6 5c1.5 0 2.7.8 3.4 2 '
        '.7-1.2 1.9-2 3.4-2C17.9 5 20 7 20 9.9c0 5.9-8 10.6-8 10.6z"/>'
    ),
    "clock": '<circle cx="12" cy="12" r="8.5"/><path d="M12 7v5l3.5 2"/>',
    "license": (  # a scale
        '<path d="M12 3v18"/><path d="M7 21h10"/><path d="M4 7h16"/>'
        '<path d="m4 7-2.5 6h5z"/><path d="m20 7-2.5 6h5z"/>'
    ),
    "warning": ('<path d="M12 3.5 22 20.5H2z"/><path d="M12 10v4.5"/><path d="M12 17.5v.5"/>'),
    "lock": (
        '<rect x="4.5" y="10.5" width="15" height="10" rx="2"/>'
        '<path d="M8 10.5V7a4 4 0 0 1 8 0v3.5"/>'
    ),
    "eye_off": (
        '<path d="M3 3l18 18"/>'
        '<path d="M10.6 6.1A9.8 9.8 0 0 1 12 6c5.5 0 9 6 9 6a15 15 0 0 1-2.6 3.3"/>'
        '<path d="M6.6 7.6A15 15 0 0 0 3 12s3.5 6 9 6c1.4 0 2.7-.4 3.8-1"/>'
    ),
    "ban": '<circle cx="12" cy="12" r="8.5"/><path d="m6 6 12 12"/>',
    "inbox": '<path d="M3 13h5l1.5 3h5l1.5-3h5"/><path d="M5.5 5h13L21 13v6H3v-6z"/>',
}

NAMES: frozenset[str] = frozenset(_PATHS)


def icon(name: str, *, size: int = 16, css_class: str = "sg-icon") -> str:
    """The named icon as inline SVG markup (decorative: hidden from screen readers)."""
    body = _PATHS[name]  # an unknown name is a programming error: fail loudly
    return (
        f'<svg class="{css_class}" width="{size}" height="{size}" viewBox="0 0 24 24" '
        'fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" '
        f'stroke-linejoin="round" aria-hidden="true" focusable="false">{body}</svg>'
    )


KIND_ICONS: dict[str, str] = {"model": "model", "dataset": "dataset", "space": "space"}
BADGE_ICONS: dict[str, str] = {
    "content_warning": "warning",
    "gated": "lock",
    "downgraded": "eye_off",
    "private": "lock",
    "disabled": "ban",
}
