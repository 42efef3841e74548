"""API routes: promise."""

from fastapi import APIRouter

router = APIRouter()
