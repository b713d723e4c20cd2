"""What the books are made of besides text: fonts, images, the cover, the build date."""
