"""個人書房 sessions: login, lockout, server-side sessions with idle and absolute expiry, CSRF."""
