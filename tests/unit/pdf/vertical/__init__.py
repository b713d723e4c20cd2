"""Tests of tougen_pub.pdf.vertical."""
