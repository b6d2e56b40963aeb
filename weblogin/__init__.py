"""Signing people in to a web console, shared by the hub's manager console (``/manage/``) and
central's console (``/console/``): slow password hashes (:mod:`weblogin.passwords`), the
wrong-password lock (:mod:`weblogin.lockout`), sessions with their CSRF tokens and idle timeout
(:mod:`weblogin.sessions`), and the gate that checks every POST's CSRF token and adds the
security headers (:mod:`weblogin.guard`). Imports nothing of ours."""
