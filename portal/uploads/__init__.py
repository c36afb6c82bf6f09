"""Monthly report uploads: a provider's file, or the rows its system sends to the API, received, checked
in the background, shown as a preview and committed all at once (ADR 0008), with the same records,
domain events and audit entries as reports typed in.

How a file travels: `check.receive` stores the bytes with a batch (status checking) and `check.check`
runs as a background task while the page polls the batch: it reads the file in a thread
(`files.read_lines`, streaming, bounded by `files.LIMITS`), judges every row (`rules.plan`) against what
the database holds, and stores the outcome: counts, findings per row, a sample of new lines.
`commit.commit_now` reads and judges the file again inside the write transaction (the database may have
changed since the preview) and writes everything with a few set-based statements, or nothing.

    columns.py  lines.py  rules.py   pure: our columns and a file's layout; a row becomes a Line; the plan
    batches.py                       what the stages share: the batch, its owner, state, background tasks
    files.py                         the original file: limits, reading it, retention, the templates
    check.py  commit.py  read.py     the stages: receive and check; commit or cancel; read back
    mapping.py                       the organisation's column mapping, and the sheet to read
    forms.py  routes.py  api.py      the mapping form; the portal pages (uploads, API tokens); the provider API
    tokens.py                        the provider API's tokens: made, revoked and checked
"""
