"""Recognition's pages, one module per page (profiles, leaderboards, badges, the team)."""
