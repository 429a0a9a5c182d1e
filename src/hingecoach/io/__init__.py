"""I/O at the edge: video decoding, keypoint-file readers and track writers, analysis.json."""
