"""Benchmark definitions, reported reference numbers and demo data (data). Shipped as toolgrad_eval.benchmarks."""
