"""`make bench`: convstep measured beside its peers in the same run; every result is a ratio."""
