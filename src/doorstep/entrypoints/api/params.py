"""Path parameters shared by the routes, checked like body fields (see ``schemas.strict``).

An id in the URL reaches a ``WHERE`` clause: a NUL byte or an integer past BIGINT there was a
500 from the driver; here it is a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from doorstep.schemas.strict import BIGINT_MAX, CleanLine

#: An opaque id or code in the path (order id, SKU, warehouse code, wave id).
PathId = Annotated[str, Path(min_length=1, max_length=100), CleanLine]
#: A database row id in the path (pick task, quarantine record).
PathRowId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
