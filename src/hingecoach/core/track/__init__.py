"""The pose track, the one data type that flows through the pipeline: skeletons, and fakes of
known movements for tests and benchmarks."""
