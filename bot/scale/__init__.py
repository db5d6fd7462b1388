"""What several bot processes on one database share: conversation state, the ledger of handled
updates, job leases, and what they expose to the operator (health, readiness, metrics)."""
