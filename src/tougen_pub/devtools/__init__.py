"""Developer tools: synthetic manuscripts, benchmarks."""
