"""Put the committed boundary files into the prefecture and county tables."""

from __future__ import annotations

import sqlalchemy as sa

from exitmap.boundaries import load_counties, load_prefectures, short_name


def load_boundaries(engine: sa.Engine) -> tuple[int, int]:
    """Replace both tables' geometry with the committed full-resolution files; idempotent."""
    prefectures = load_prefectures()
    counties = load_counties()
    with engine.begin() as conn:
        for table, frame in (("prefecture", prefectures), ("county", counties)):
            rows = [
                {
                    "adcode": int(r.adcode),
                    "name": r.name,
                    "parent": int(r.parent_adcode),
                    "short_name": short_name(r.name),
                    "wkb": r.geometry.wkb_hex,
                }
                for r in frame.itertuples()
            ]
            if table == "prefecture":
                sql = """
                    INSERT INTO prefecture (adcode, name, short_name, geom)
                    VALUES (:adcode, :name, :short_name,
                            ST_Multi(ST_GeomFromWKB(decode(:wkb, 'hex'), 4326)))
                    ON CONFLICT (adcode) DO UPDATE
                    SET name = EXCLUDED.name, short_name = EXCLUDED.short_name,
                        geom = EXCLUDED.geom
                    WHERE prefecture.geom IS DISTINCT FROM EXCLUDED.geom
                       OR prefecture.name IS DISTINCT FROM EXCLUDED.name
                """
            else:
                sql = """
                    INSERT INTO county (adcode, name, prefecture_adcode, geom)
                    VALUES (:adcode, :name, :parent,
                            ST_Multi(ST_GeomFromWKB(decode(:wkb, 'hex'), 4326)))
                    ON CONFLICT (adcode) DO UPDATE
                    SET name = EXCLUDED.name, prefecture_adcode = EXCLUDED.prefecture_adcode,
                        geom = EXCLUDED.geom
                    WHERE county.geom IS DISTINCT FROM EXCLUDED.geom
                       OR county.name IS DISTINCT FROM EXCLUDED.name
                """
            conn.execute(sa.text(sql), rows)
    return len(prefectures), len(counties)
