"""Tests of tougen_pub.epub."""
