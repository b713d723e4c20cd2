"""Tests of tougen_pub.assets."""
