"""The supervisors' review: what is open, overdue and urgent, which villages go unvisited, and the trends."""
