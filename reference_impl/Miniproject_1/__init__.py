"""EE-559 mini-project 1 reference solution (entry point: model.py)."""
