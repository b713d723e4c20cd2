"""Tests of the preflight: findings merged across pages, their order."""
