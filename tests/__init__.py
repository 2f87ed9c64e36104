"""exitmap's tests: fixtures in conftest.py, plain helpers in tests/helpers/, data in fixtures/."""
