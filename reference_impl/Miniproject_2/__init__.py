"""EE-559 mini-project 2 reference solution (entry point: model.py)."""
