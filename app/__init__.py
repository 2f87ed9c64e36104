"""The dashboard: pages that arrange layers, charts and tables (no SQL here)."""
