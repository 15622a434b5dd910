"""Files: networks (net.h5, NIR, lava-dl), event recordings, run traces."""
