"""Tests of the press finishing: upright pages, crop marks."""
