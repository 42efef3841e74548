"""API routes: quarantine."""

from fastapi import APIRouter

router = APIRouter()
