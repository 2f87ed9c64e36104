"""Plain helpers the test modules import (fixtures live in tests/conftest.py)."""
