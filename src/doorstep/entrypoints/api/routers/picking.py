"""API routes: picking."""

from fastapi import APIRouter

router = APIRouter()
