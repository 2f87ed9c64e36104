"""Registers arriving from the prefectures and their review by the province.

An upload is kept whole (``store``), validated in the background by the same pipeline as
``exitmap load --dry-run`` (``validate``, run by ``exitmap worker`` from the ``jobs`` table),
reported in the Frictionless shape and as an annotated copy of the user's workbook
(``report``, ``annotate``), and moves through the states of ``states`` — accepting loads it
through etl's loader (``review``). Sits above ``access`` and ``etl`` in the import order.
"""
