"""Views of a Result: each module renders the same plain data in one format."""
