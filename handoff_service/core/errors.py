"""Typed errors of the handoff service; app.py maps each to an HTTP status in one place."""


class KefuError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class BadRequest(KefuError):
    pass


class Unauthorized(KefuError):
    status_code = 401
    code = "unauthorized"


class Forbidden(KefuError):
    status_code = 403
    code = "forbidden"


class NotFound(KefuError):
    status_code = 404
    code = "not_found"


class Conflict(KefuError):
    status_code = 409
    code = "conflict"


class RasaUnavailable(Exception):
    """Rasa did not answer; the service hands the chat to a person instead of going silent."""
