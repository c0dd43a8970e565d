"""Recovery Oversight: loading, validation, measures and statistics, headless."""
