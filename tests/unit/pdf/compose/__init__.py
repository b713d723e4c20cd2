"""Tests of tougen_pub.pdf.compose."""
