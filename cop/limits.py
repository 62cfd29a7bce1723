"""How large a request's body may be: COP_BODY_MAX_BYTES for forms and JSON, the whole
MAX_CONTENT_LENGTH only for multipart bodies on the routes that take files (where each
field that is not a file stays within Flask's MAX_FORM_MEMORY_SIZE). Larger bodies get
a 413 unread."""

from collections.abc import Callable

from flask import Request, current_app


def accepts_uploads(view: Callable) -> Callable:
    """Marks a view that takes files, so its requests may be as large as MAX_CONTENT_LENGTH
    (place it under the route decorator)."""
    view.accepts_uploads = True
    return view


class BoundedRequest(Request):
    """Flask's request, with the body limit of the view the URL leads to."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None or not current_app:
            return super().max_content_length
        config = current_app.config
        view = current_app.view_functions.get(self.endpoint) if self.url_rule else None
        if getattr(view, "accepts_uploads", False) and self.mimetype == "multipart/form-data":
            return config["MAX_CONTENT_LENGTH"]
        return min(config["COP_BODY_MAX_BYTES"], config["MAX_CONTENT_LENGTH"])

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
