"""What the review app refuses before any page runs: requests for another host name (DNS rebinding), posts that
don't come from its own pages (no Origin nor Referer, or a foreign one; a form without its token), and anyone
not logged in when the class has graders' accounts. And the headers every answer carries: a Content-Security-
Policy that lets a page load nothing but the app's own script, styles and inline images.

Flask-WTF's CSRFProtect checks the form token (a secret in the session, signed); the session cookie is
SameSite=Strict, HttpOnly, and expires (PERMANENT_SESSION_LIFETIME).
"""
import threading
import time
from urllib.parse import urlparse

from flask import abort, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from . import store

POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'self';"
          " frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
OPEN = {"login", "static", "highlight_css"}  # what a browser may ask for before logging in


def install(app, hosts, origins):
    """`hosts`: the Host headers the app answers to (host:port as browsers send it); `origins`: the origins
    its pages post from (scheme://host:port)."""
    app.config.update(TRUSTED_HOSTS=sorted({h.rsplit(":", 1)[0].strip("[]") for h in hosts}),
                      WTF_CSRF_TIME_LIMIT=None, SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_HTTPONLY=True)
    CSRFProtect(app)
    allowed_hosts, allowed_origins = set(hosts), set(origins)

    @app.before_request
    def refuse():
        if request.headers.get("Host", "") not in allowed_hosts:
            abort(400, "this server answers only to the address it serves on")  # a rebound DNS name, say
        if request.method == "POST" and not _same_origin(allowed_origins):
            abort(403, "a post must come from this app's own pages")
        g.grader, g.accounts = app.config["GRADER"], bool(store.graders(app.config["OUT"]))
        if g.accounts:  # accounts: every page but the login needs one
            g.grader = session.get("grader")
            if g.grader is None and request.endpoint not in OPEN:
                return redirect(url_for("login", next=request.full_path if request.method == "GET" else "/"))
        return None

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" would make a form's Origin "null"
        response.headers["Cache-Control"] = "no-store"  # students' work stays out of shared caches
        return response


def _same_origin(allowed):
    """A browser names the page a post comes from in Origin (always, for a form) or at least Referer; a post
    naming neither is not from a page of this app."""
    origin = request.headers.get("Origin")
    if origin:
        return origin in allowed
    referer = request.headers.get("Referer")
    if referer:
        parsed = urlparse(referer)
        return f"{parsed.scheme}://{parsed.netloc}" in allowed
    return False


class Failures:
    """Wrong passwords per name: after LIMIT within MINUTES, that name can't log in until they are older (a
    password guessed online stays slow to guess). Kept in memory: a restart forgets them."""
    LIMIT, MINUTES = 5, 15

    def __init__(self):
        self.lock, self.times = threading.Lock(), {}

    def _recent(self, name):
        now = time.monotonic()
        self.times[name] = [t for t in self.times.get(name, []) if now - t < self.MINUTES * 60]
        return self.times[name]

    def blocked(self, name):
        with self.lock:
            return len(self._recent(name)) >= self.LIMIT

    def add(self, name):
        with self.lock:
            self._recent(name).append(time.monotonic())
