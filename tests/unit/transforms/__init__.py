"""Tests of tougen_pub.transforms."""
