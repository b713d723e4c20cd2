"""Tests of tougen_pub.records."""
