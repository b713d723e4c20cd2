"""Tests of tougen_pub.devtools."""
