"""Tests of tougen_pub.ingest."""
