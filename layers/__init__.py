"""Read side: what the database holds, shaped for maps, tables and exports (no writes)."""
