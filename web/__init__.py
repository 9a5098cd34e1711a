"""Plain Flask pages outside the generated admin: login, logout and health."""
