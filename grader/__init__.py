"""n2n-grade: grades EE-559 mini-project 2 submissions (hand-written blocks, Noise2Noise)."""

__version__ = "0.1.0"
