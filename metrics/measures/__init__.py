"""The measures, one module per family, and the registry that declares each once."""
