"""Typed TOML records: the record machinery and TOML reading with source lines."""
