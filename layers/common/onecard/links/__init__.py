"""一證通用 links with partners: requests (outbox), their status, and partners' answers."""
