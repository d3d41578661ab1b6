"""The VADER sentiment lexicon (Hutto & Gilbert, ICWSM 2014), read from the ``vaderSentiment``
package (MIT licence) where it ships as ``vader_lexicon.txt``: one word per line, its mean valence
(−4 … +4), standard deviation and ten raters' scores, tab-separated. Only the file is read; the
package's code is never imported.

>>> lex = vader_lexicon()
>>> lex["good"], lex["bad"], len(lex) > 7000
(1.9, -2.5, True)
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

SOURCE = "VADER sentiment lexicon (Hutto & Gilbert 2014), vaderSentiment package, MIT licence"


@cache
def vader_lexicon() -> dict[str, float]:
    text = (files("vaderSentiment") / "vader_lexicon.txt").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                out[parts[0].strip().lower()] = float(parts[1])
            except ValueError:
                continue
    return out
