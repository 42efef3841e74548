"""The outside world of notifications: SMTP, signed webhooks, shop fulfilment APIs."""
