"""ETL helpers: coordinate systems, boundary files and geocoding for the Yunnan register."""
