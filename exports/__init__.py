"""Briefings and disclosure: slides, public lists and the annual report, built from ``layers/``.

Nothing here queries the database: every number comes through a ``layers`` function, so a
slide, a list and the dashboard agree on the same date. Modules:

- ``charts``  the render server (one headless Chromium per run) and the plotly charts;
- ``maps``    static maps for slides (province choropleth, one prefecture's units);
- ``deck``    the meeting deck (pptx): what each slide holds;
- ``slides``  drawing on a pptx slide: palette, text boxes, KPI cards, tables, pictures;
- ``lists``   the disclosure lists of seed 三(六)/三(八) (xlsx);
- ``report``  the annual report of seed 四(一) (docx and xlsx);
- ``office``  what the three writers share: fonts, fixed file metadata, byte-stable zips.
"""
