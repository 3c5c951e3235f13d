"""Detection: keywords → regex → validators (checksum, shape, entropy, placeholders)."""
