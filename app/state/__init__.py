"""One state model per page family, parsed once from the query string, limits from ``Settings``,
spelled back as one canonical query (see base.py). Web pages, their JSON twins, step links, the
page cache and ``hx-push-url`` all use it."""
