"""Who may do what, and the record of it.

``users`` (accounts, passwords, API tokens: the role and scope of every caller come from our
own table), ``rules`` (the actions and the roles that may take them, kept as data), ``guard``
(one declared rule per route and callback, enforced on every request), ``login`` (sign-in,
lockout, sessions, OpenID Connect), ``grants`` (the briefing renderer's short-lived pass) and
``audit`` (the append-only log). Reads and writes only its own tables.
"""
