"""Around the receiver, not part of it: demo, run, benchmarks, load generator."""
