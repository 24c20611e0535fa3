"""numen playground: build, train and inspect a real numen model in the browser, then take
away its code and its `.keras` file. Start it with `numen playground` (needs the optional
extra: pip install 'numen[playground]')."""

from numen.playground.setup import DEFAULT, from_fragment, normalize, to_fragment

__all__ = ["DEFAULT", "from_fragment", "normalize", "to_fragment"]
