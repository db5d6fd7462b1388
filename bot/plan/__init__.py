"""Plans as data: the YAML schema, the party directory and the loader that makes a Plan."""
