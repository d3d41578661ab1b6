"""Pure NumPy engine: shapes, correlation, pooling, weight matrix, step traces.

Imports nothing but NumPy and the standard library, so it can be tested, benchmarked and
reused on its own. Conventions follow PyTorch: stride ≥ 1, zero padding, dilation 1 = none.
The core operation is cross-correlation (what CNN layers compute); ``flip=True`` gives
true convolution.
"""
