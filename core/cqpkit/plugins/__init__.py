"""The plugin layer: hookspecs, the plugin manager, builtin plugins and the Registry facade."""
