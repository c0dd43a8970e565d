"""The rules the measures follow and who may see what: settings, calendar, quarters, filters, access."""
