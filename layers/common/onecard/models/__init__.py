"""Pydantic models: the API contract of every route (the OpenAPI document is generated from them)."""
