"""Headless reporting for the command line and the dashboard: headlines, charts, files and the deck."""
