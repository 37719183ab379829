"""The embedded OakData-compatible demo API (framework-free WSGI app + data generator)."""
