"""Control of a plan beyond reminders: escalation of late assignments, the weekly digest."""
