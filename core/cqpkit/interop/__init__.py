"""Interoperability: RNCP/RS identity and import, Open Badges 3.0 credentials, Moodle CSV, spreadsheets.

Each format has its own module, built on the registry and the store; the libraries they need (openpyxl,
a JOSE library…) come with the ``interop`` extra and are imported only by the commands that use them.
``docs/interop.md`` says, per format, the standard it follows (with its version) and what is mapped.
"""
