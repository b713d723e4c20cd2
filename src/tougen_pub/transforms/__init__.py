"""Small named passes over XHTML fragments, applied per edition (see ``PASSES``)."""
