"""Security headers on every response, decided here only.

The CSP lets a page run only the script tags it rendered itself, each carrying this
response's nonce (`csp_nonce()` in templates): no inline script or style, and no script
the sanitizer might have let through, even one served from this site. Nothing private is
stored by a browser or a proxy: answers to a signed-in person or to an API token say
`Cache-Control: no-store`; guest pages and static files keep their own caching."""

import secrets

from flask import Flask, g, request
from flask_login import current_user

POLICY = (
    "default-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def csp_nonce() -> str:
    """This response's script nonce (made when a template first asks for it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy() -> str:
    """Scripts by this response's nonce; none at all when the page has no script tag."""
    nonce = g.get("csp_nonce")
    scripts = f"script-src 'nonce-{nonce}'" if nonce else "script-src 'none'"
    return "; ".join((POLICY[0], scripts, *POLICY[1:]))


def is_private() -> bool:
    """Whether this answer is for one person: signed in, or sent with a token."""
    if request.endpoint == "static":
        return False
    return bool(request.authorization) or current_user.is_authenticated


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if is_private():
            response.headers["Cache-Control"] = "no-store"
        return response
