"""Headless reporting for the command line and the dashboard: what each page shows (views),
column labels and status words, headlines, charts and slides (Plotly), CSV files, and the deck."""
