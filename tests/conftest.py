"""Project-wide pytest configuration.

The test vectors live in ``tests/vectors`` (see ``tests/vector_files.py``); no test reads
anything outside the repository.
"""
