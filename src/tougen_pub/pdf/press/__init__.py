"""Press-ready finishing of the bound PDF: one program per face, portrait pages, crop marks,
PDF/X metadata and the page plan."""
