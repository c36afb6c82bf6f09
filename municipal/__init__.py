"""Municipal side: the gemeente's view of its inburgeraars.

dossier/          each person's dossier: finding people, reading one, writing its sections, enrollments,
                  bulk import and the warm transfer summary
providers/        the gemeente's providers and contracts (functioneel beheer)
inbox/            every event the gemeente must act on, as a routed item with a deadline
settings_routes   the gemeente's own settings (the retention of uploaded originals)
errors            the side's domain errors; versions: what each versioned record holds and its labels;
fields, web       what the forms and the pages of dossier and providers share
tables            the side's own tables (inbox, teams, routing)
"""
