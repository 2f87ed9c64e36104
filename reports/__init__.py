"""Reports from the public (举报, seed 三(七)) and their handling, up to closure.

Modelled on FixMyStreet (the place picks the prefecture, the kind picks the department, a state
table, a log of every step) and on Open311 GeoReport v2 (its field names), with what both lack:
deadlines with overdue marking, and a reporter whose contact details stay with the office.

The kinds, their departments and deadlines are policy data (data/policy/reports.toml, read by
``exitmap.policy.reports`` in the core, so the read side and the exports can name the kinds).

Modules:

- ``states``   the states and the transitions between them, who may take each (as data);
- ``routing``  the place → prefecture and county (PostGIS), the kind → department, deadlines;
- ``photos``   photos checked and re-encoded without their metadata (Pillow);
- ``intake``   a new report written (the public page, the API, the office's form);
- ``handling`` a step taken on a report (screen, assign, reassign, start, close, note);
- ``read``     reports as a caller's scope may see them, their history, overdue marks, counts.

The database holds the second wall (migration 0007): a department's session sees the reports
assigned to it, a prefecture's those in its territory, and only the office's the reporter.
"""
