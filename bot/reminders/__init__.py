"""When to remind whom: the reminder policy and (later) its delivery."""
