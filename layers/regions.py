"""The 16 prefectures and 129 counties as the database holds them."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa


def prefectures(engine: sa.Engine) -> pd.DataFrame:
    """adcode, name, short_name and county count of every prefecture, by adcode."""
    sql = """
        SELECT p.adcode, p.name, p.short_name, count(c.adcode) AS counties
        FROM prefecture p LEFT JOIN county c ON c.prefecture_adcode = p.adcode
        GROUP BY p.adcode ORDER BY p.adcode
    """
    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn)
