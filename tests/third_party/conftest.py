"""The third-party plugins under this directory are distributions of their own, not tests of cqpkit.

Their tests and scenario files run only once the plugin is installed (tests/test_third_party.py,
tests/test_conformance_example.py do that in a subprocess); cqpkit's own test run does not
collect them.
"""

collect_ignore = ["cqpkit-exemple", "cqpkit-defaillant"]
