"""Rules as code: the engine's rule modules (date arithmetic, "as of" resolution, and the rules built on them)."""
