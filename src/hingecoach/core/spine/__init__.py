"""The spine that landmarks cannot see: the back's outline from the silhouette (core)."""
