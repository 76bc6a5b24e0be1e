"""Cleaning free text that arrives in query strings before it reaches a query."""

from __future__ import annotations

import unicodedata


def search_term(request, name: str = "q", limit: int = 100) -> str:
    """The search box's text, trimmed, without control characters (PostgreSQL refuses NUL)."""
    raw = request.GET.get(name, "")[: limit * 2]
    kept = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc")
    return " ".join(kept.split())[:limit]
