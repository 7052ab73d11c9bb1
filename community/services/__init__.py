"""Community write actions. Each takes the acting user first and runs in one transaction."""
