"""Models: the built-in trained digit network, and reading weight files safely (never unpickling)."""
