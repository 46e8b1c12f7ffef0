"""TOML ⇄ model, JSON ⇄ model, JSON Schema generation, and the path-first error messages."""
