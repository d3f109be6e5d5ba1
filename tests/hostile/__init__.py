"""The hostile-input suite: a generated web of hostile feeds and pages served on 127.0.0.1
(``cases.build``), mixed with healthy ones, and one whole cycle run against it
(``test_hostile.py``). See docs/reliability.md for the properties and the figures."""
