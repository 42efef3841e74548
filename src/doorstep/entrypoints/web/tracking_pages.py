"""The customer's tracking pages: the lookup form (``/track``).

Public on purpose: a customer has no account; the page by token and the lookup form are the
ways in (issue 11).  The lookup answers "wrong" and "unknown" the same way.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from doorstep.entrypoints.api.access import public
from doorstep.entrypoints.web.rendering import render

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/track", dependencies=[Depends(public("customer looks up an order by number and "
                                                    "e-mail or postcode"))])
def lookup_form(request: Request) -> HTMLResponse:
    """The form that finds an order's page by its number plus e-mail address or postcode."""
    return render(request, "tracking/lookup.html",
                  {"order_number": "", "contact": "", "not_found": False, "too_many": False})
