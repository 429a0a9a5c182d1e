"""I/O at the edges: video decoding, keypoint-file readers and track writers."""
