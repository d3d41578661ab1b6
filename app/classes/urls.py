"""Which URLs a teacher may publish: an app page, spelled canonically.

Only a path on this app is accepted (no scheme, no host, no ``//`` or ``/\\``, which browsers read
as another host), and only a page that has a state model: its query is parsed by that model (the
same parser the page uses, limits from Settings) and spelled back canonically, so every follower
gets the one URL the state has. Anything else is a ``Problem(422)`` naming ``url``.

>>> from app.settings import Settings
>>> page_url("/conv2d?stride=02&kernel=box_blur&step=3", Settings())
'/conv2d?kernel=box_blur&stride=2&step=3'
>>> page_url("//evil.example/conv2d", Settings())  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
app.problems.Problem: url must be a path on this app starting with one '/' (no scheme, host, ...), got '//evil.example/conv2d'
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ..engine.errors import ParameterError
from ..problems import Problem
from ..settings import Settings
from ..state.base import PageState
from ..state.conv1d import Conv1dState
from ..state.conv2d import Conv2dState
from ..state.flip import FlipState
from ..state.network import NetworkState
from ..state.pool import PoolState
from ..state.shapes import ShapesState
from ..state.text import TextState
from ..state.transpose import TransposeState
from ..state.volume import VolumeState

MAX_URL_LENGTH = 4096
PAGE_STATES: dict[str, type[PageState]] = {state.PATH: state for state in (
    Conv2dState, Conv1dState, PoolState, VolumeState, TransposeState, ShapesState, FlipState, TextState, NetworkState)}
PLAIN_PAGES = ("/",)  # pages without a state: their URL is the path alone
# The OpenAPI pattern of an acceptable url (the query's own rules are each page's, stated in words)
URL_SCHEMA_PATTERN = (r"^/(" + "|".join(p.strip("/") for p in PAGE_STATES) + r")?(\?[^#\s\\\x00-\x20\x7f]*)?$")


def page_url(url: str, settings: Settings) -> str:
    """The canonical URL of the app page ``url`` names; ``Problem(422, field="url")`` otherwise."""
    if not isinstance(url, str) or not url:
        raise Problem(422, "url must be a page path such as /conv2d?step=3", "url")
    if len(url) > MAX_URL_LENGTH:
        raise Problem(422, f"url is longer than {MAX_URL_LENGTH} characters", "url")
    shown = url[:120]
    if (not url.startswith("/") or url.startswith(("//", "/\\")) or "\\" in url
            or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url)):
        raise Problem(422, "url must be a path on this app starting with one '/' (no scheme, host, '//' or '/\\'),"
                      f" got {shown!r}", "url")
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        raise Problem(422, f"url must be a path on this app, not an address elsewhere, got {shown!r}", "url")
    if parts.path in PLAIN_PAGES:
        return parts.path
    state = PAGE_STATES.get(parts.path)
    if state is None:
        pages = ", ".join(["/", *PAGE_STATES])
        raise Problem(422, f"url must name a page ({pages}), got {parts.path[:80]!r}", "url")
    try:
        return state.parse(dict(parse_qsl(parts.query, keep_blank_values=True)), settings).url()
    except ParameterError as exc:
        raise Problem(422, f"url: {exc.message}", "url") from None
    except Problem as exc:
        raise Problem(422, f"url: {exc.detail}", "url") from None
