"""An application's life after it is sent: e-mail verification, counter activation, duplicate review, expiry."""
