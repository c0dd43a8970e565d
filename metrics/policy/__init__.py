"""The rules the measures follow and who may see what: settings, the policy numbers in words,
calendar, quarters, filters, access."""
