"""Accounts: logging in and out, users and invitations per organisation or gemeente, the audit log page."""
