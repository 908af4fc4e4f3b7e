"""Reads go to the read-only pool (db-ro) unless the visitor has just written:
then, for the rest of the request and SPEEDY_PIN_SECONDS after it (a cookie),
they go to the primary, so a visitor always sees their own writes although a
replica may lag behind. Writes and migrations go to the primary (db)."""
import threading

from django.conf import settings

_state = threading.local()
PIN_COOKIE = "speedy_pin"


def _pinned():
    return getattr(_state, "pinned", False)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return "default" if _pinned() else "replica"

    def db_for_write(self, model, **hints):
        _state.pinned = True
        _state.wrote = True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two ways in

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReadYourWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _state.pinned = request.method not in ("GET", "HEAD", "OPTIONS") or PIN_COOKIE in request.COOKIES
        _state.wrote = False
        try:
            response = self.get_response(request)
            if _state.wrote:
                response.set_cookie(PIN_COOKIE, "1", max_age=settings.SPEEDY_PIN_SECONDS, httponly=True, samesite="Lax")
            return response
        finally:
            _state.pinned = _state.wrote = False


def pin_to_primary():
    """For code outside a request (the notifier, the jobs): every query on the primary."""
    _state.pinned = True
