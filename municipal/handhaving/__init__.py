"""Handhaving of the inspanningsverplichting (handreiking §4.7): one case per overtreding, the gemeente's
decision on it (no measure, a warning, a bestuurlijke boete, or handling under the Participatiewet) as versions,
the build-up with its 12-month restart against the gemeente's own table of steps, and the shape in which a
fine could be sent to DUO (SDI018). rules.py is pure; services.py loads, checks and writes; routes.py serves
the pages. Providers never reach any of it (ADR 0016, handhaving cases)."""
