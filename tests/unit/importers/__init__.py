"""Tests of tougen_pub.importers."""
