"""Package data: the built-in example datasets used by ``ovbench demo`` and the tests."""
