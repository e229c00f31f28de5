"""Administration: users, villages (one by one or from a spreadsheet), categories, and the audit trail."""
