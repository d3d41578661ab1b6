"""convstep: convolution, step by step."""
