"""What may be shown outside an agency: small-number suppression and how each measure rests on people."""
