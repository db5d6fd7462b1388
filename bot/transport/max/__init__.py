"""The MAX messenger (max.ru): a thin Bot API client, the outbound transport, the inbound loop."""
