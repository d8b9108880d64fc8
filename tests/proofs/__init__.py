"""Proofs that it holds (issue 8): crashes, network loss, concurrency, hostile input, backup."""
