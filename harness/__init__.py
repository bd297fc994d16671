"""What the tests, the benchmarks and tools/ share, so none of them imports another.

``serving`` starts the app on a free local port; ``browser`` says how to drive Debian's
Chromium and tell that a page is drawn; ``load`` drives many sessions through the main
pages (bench/load.py times it, a test checks it still visits every page); ``recompute``
is the independent pandas recomputation of the headline figures; ``samples`` holds a
value for every parameter a named query takes. Nothing in gridwatch imports this package.
"""
