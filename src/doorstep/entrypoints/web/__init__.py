"""The browser pages of doorstep: one framework for every screen.

Public API (see docs/pages.md)::

    render(request, "area/page.html", {...}, status=200)   # HTML in the reader's language
    csrf_token(request) / Depends(check_csrf)               # forms
    gettext / _ / ngettext / N_ / use_language               # texts in Python code
    mount_static(app)                                        # /static, vendored htmx + CSS

Templates live in ``templates/`` (extend ``base.html``), texts in ``locale/<lang>/LC_MESSAGES/
<area>.po``, assets in ``static/``.
"""

from doorstep.entrypoints.web.csrf import CSRF_FIELD, check_csrf, csrf_token
from doorstep.entrypoints.web.i18n import (
    LANGUAGES,
    N_,
    _,
    gettext,
    ngettext,
    use_language,
)
from doorstep.entrypoints.web.rendering import environment, mount_static, render, static_url

__all__ = [
    "CSRF_FIELD",
    "LANGUAGES",
    "N_",
    "_",
    "check_csrf",
    "csrf_token",
    "environment",
    "gettext",
    "mount_static",
    "ngettext",
    "render",
    "static_url",
    "use_language",
]
