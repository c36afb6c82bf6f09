"""Piccolo tables of the dossier every side reads. Tables only: rules live in rules.py.

Conventions: hours are integer minutes (SQLite keeps Numeric as REAL); codes are the values of
shared.vocab; history is appended (a correction is a new row whose `supersedes` points at the old
one, and the old row gets `superseded_by`), never edited away.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Array,
    BigInt,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from shared import clock


class Gemeente(Table):
    cbs_code = Varchar(length=4, unique=True)
    name = Varchar(length=100)
    oin = Varchar(length=20)
    # Days an uploaded report file is kept after upload (portal uploads); the records themselves stay.
    upload_retention_days = Integer(default=90)
    # The footer every page shows to this gemeente's users (set by its functioneel beheer): where the
    # privacy statement, the toegankelijkheidsverklaring and help live, and whom to contact.
    privacy_url = Varchar(length=300, default="")
    toegankelijkheid_url = Varchar(length=300, default="")
    help_url = Varchar(length=300, default="")
    contact = Varchar(length=300, default="")


class Organisation(Table):
    """A provider: one record serves every gemeente it works for."""

    name = Varchar(length=200)
    kvk = Varchar(length=8, null=True, default=None)
    kinds = Array(base_column=Varchar(length=32))
    bow_keurmerk = Boolean(default=False)
    duo_instellingsnummer = Varchar(length=10, null=True, default=None)
    # Its staff log in with a TOTP code too (accounts/mfa.py); gemeente staff and beheerders always do.
    mfa_required = Boolean(default=False)


class Contract(Table):
    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict)
    component = Varchar(length=32)
    start = Date()
    end = Date(null=True, default=None)


class AppUser(Table, tablename="app_user"):
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=200)
    role = Varchar(length=32)
    gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict)
    organisation = ForeignKey(Organisation, null=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    last_login_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=clock.now_default())
    # Two-factor login (accounts/mfa.py): the TOTP secret (base32, "" = not set up), since when, and the last
    # 30-second step whose code was accepted (a code is never accepted twice).
    totp_secret = Varchar(length=64, default="", secret=True)
    totp_since = Timestamptz(null=True, default=None)
    totp_last_step = BigInt(default=0)


class HttpSession(Table, tablename="http_session"):
    key = Varchar(length=100, unique=True)
    data = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
    uid = Integer(null=True, default=None)  # the logged-in user (also inside data), read with the session


class RecoveryCode(Table, tablename="recovery_code"):
    """One of a user's ten one-time recovery codes for two-factor login, as an argon2id hash (accounts/mfa.py)."""

    user = ForeignKey(AppUser, null=False, on_delete=OnDelete.cascade, index=True)
    code_hash = Varchar(length=200)
    used_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table, tablename="login_throttle"):
    """Failed logins counted per key (shared/security.py): `bron:<ip>` (one source, any account),
    `account:<e-mail>` (one e-mail address from anywhere, whether or not an account has it) and
    `paar:<e-mail>|<ip>` (that address from that source). A success clears the address's count and the pair's,
    and marks the pair known; a count whose last failure is older than a day starts again."""

    key = Varchar(length=400, unique=True)
    failures = Integer(default=0)
    last_failure_at = Timestamptz(default=clock.now_default())
    # `paar:` keys only: when the owner last logged in from this source (`security.login_wait`).
    known_at = Timestamptz(null=True, default=None)


# --- Provenance: the upload or API call a record came through (written by the portal) ----------------


class ApiToken(Table, tablename="api_token"):
    """A provider system's key to the API. Only the SHA-256 of the token is kept (it is 256 random bits,
    so a slow password hash adds nothing); `prefix` lets people recognise it in the list."""

    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)
    created_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=clock.now_default())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)


class UploadBatch(Table, tablename="upload_batch"):
    """One file (or API call) with a monthly report: who, when, what, and how it ended.

    `status` follows the portal's BatchStatus (portal/uploads/rules.py). Counts are those of the last check, or of the
    commit once committed. `summary` holds what the preview shows besides the issues (header match,
    totals per kind, a sample of new lines)."""

    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict, index=True)
    uploaded_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    api_token = ForeignKey(ApiToken, null=True, on_delete=OnDelete.restrict)
    source = Varchar(length=16)
    filename = Varchar(length=255)
    file_format = Varchar(length=8, default="")
    sheet = Varchar(length=100, default="")
    sha256 = Varchar(length=64, index=True)
    size_bytes = Integer(default=0)
    status = Varchar(length=16)
    progress = Integer(default=0)  # percent, while checking or committing
    heartbeat_at = Timestamptz(null=True, default=None)
    rows_total = Integer(default=0)
    rows_new = Integer(default=0)
    rows_corrected = Integer(default=0)
    rows_unchanged = Integer(default=0)
    rows_skipped = Integer(default=0)
    rows_error = Integer(default=0)
    persons = Integer(default=0)
    minutes_total = Integer(default=0)
    summary = JSON(default="{}")
    message = Text(default="")
    created_at = Timestamptz(default=clock.now_default())
    checked_at = Timestamptz(null=True, default=None)
    committed_at = Timestamptz(null=True, default=None)
    committed_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    keep_until = Date(null=True, default=None)
    file_purged_at = Timestamptz(null=True, default=None)


class Inburgeraar(Table):
    bsn = Varchar(length=9, index=True)
    voornamen = Varchar(length=200)
    achternaam = Varchar(length=200)
    geboortedatum = Date()
    doelgroep = Varchar(length=32)
    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    regisseur = ForeignKey(AppUser, null=True, on_delete=OnDelete.set_null)
    leerroute = Varchar(length=16, null=True, default=None)
    niveau = Varchar(length=4, null=True, default=None)
    pip_dagtekening = Date(null=True, default=None)
    intensiteit_uren = Integer(null=True, default=None)
    datum_inburgeringsaanbod = Date(null=True, default=None)
    reden_vertraagde_start = Text(default="")
    verhuisd_op = Date(null=True, default=None)
    created_at = Timestamptz(default=clock.now_default())
    # The municipal dossier (issue 3). Current values live here for fast lists; every change is also
    # appended to DossierChange, section by section (municipal/versions.py SECTIONS names the fields).
    email = Varchar(length=254, default="")
    telefoon = Varchar(length=32, default="")
    adres = Varchar(length=300, default="")
    plicht_start = Date(null=True, default=None)  # inburgeringsplichtig sinds (DUO)
    termijn_start = Date(null=True, default=None)  # dagtekening of the first PIP: the 3-year term
    pip_nummer = Integer(default=0)  # 0 = no PIP yet, 1 = the first PIP, 2+ = changed
    indicator_alfabetisering = Varchar(length=16, null=True, default=None)
    opleiding_afmaken = Boolean(default=False)  # DUO's indicatorMagOpleidingAfmaken
    intake_start = Date(null=True, default=None)
    intake_eind = Date(null=True, default=None)
    leerbaarheidstoets = Varchar(length=32, null=True, default=None)
    leerbaarheidstoets_datum = Date(null=True, default=None)
    intake_no_shows = Integer(default=0)
    begeleiding_indicatie = Boolean(null=True, default=None)
    begeleiding_start = Date(null=True, default=None)
    ontzorgen_start = Date(null=True, default=None)
    ontzorgen_eind = Date(null=True, default=None)
    voortgangsgesprekken = JSON(default="[]")  # ISO dates, oldest first
    doelgroep_status = Varchar(length=32, null=True, default=None)  # status per DUO when rights differ
    doelgroep_keuze = Varchar(length=16, null=True, default=None)  # the one-time choice (DoelgroepKeuze)
    doelgroep_keuze_op = Date(null=True, default=None)
    verhuisd_naar = Varchar(length=100, default="")
    aantekeningen = Text(default="")
    # voornamen and achternaam folded (lower case, no accents; shared/search.py), written with the names
    zoeknaam = Text(default="")


class Enrollment(Table):
    inburgeraar = ForeignKey(Inburgeraar, null=False, on_delete=OnDelete.restrict)
    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict)
    component = Varchar(length=32)
    start = Date()
    end = Date(null=True, default=None)
    planned_hours = Integer(null=True, default=None)
    created_at = Timestamptz(default=clock.now_default())


class HourRecord(Table, tablename="hour_record"):
    enrollment = ForeignKey(Enrollment, null=False, on_delete=OnDelete.restrict)
    # Copies of the enrollment's person and organisation: every list query filters on them.
    inburgeraar = ForeignKey(Inburgeraar, null=False, on_delete=OnDelete.restrict, index=True)
    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=32)
    period_start = Date()
    period_end = Date()
    attended_minutes = Integer(default=0)
    geoorloofd_minutes = Integer(default=0)
    ongeoorloofd_minutes = Integer(default=0)
    verzuim_reden = Varchar(length=32, null=True, default=None)
    toelichting = Text(default="")
    formal = Boolean(default=True)
    source = Varchar(length=16)
    entered_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    entered_at = Timestamptz(default=clock.now_default())
    supersedes = ForeignKey(
        LazyTableReference("HourRecord", module_path=__name__), null=True, on_delete=OnDelete.restrict
    )
    superseded_by = ForeignKey(
        LazyTableReference("HourRecord", module_path=__name__), null=True, on_delete=OnDelete.restrict
    )
    # The upload or API call that delivered this record, if any.
    upload_batch = ForeignKey(UploadBatch, null=True, on_delete=OnDelete.restrict)


class Milestone(Table):
    enrollment = ForeignKey(Enrollment, null=False, on_delete=OnDelete.restrict)
    inburgeraar = ForeignKey(Inburgeraar, null=False, on_delete=OnDelete.restrict, index=True)
    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=32)
    event_date = Date()
    verwijtbaar = Boolean(null=True, default=None)
    uitslag = Varchar(length=100, default="")
    toelichting = Text(default="")
    source = Varchar(length=16)
    entered_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    entered_at = Timestamptz(default=clock.now_default())
    supersedes = ForeignKey(
        LazyTableReference("Milestone", module_path=__name__), null=True, on_delete=OnDelete.restrict
    )
    superseded_by = ForeignKey(
        LazyTableReference("Milestone", module_path=__name__), null=True, on_delete=OnDelete.restrict
    )
    upload_batch = ForeignKey(UploadBatch, null=True, on_delete=OnDelete.restrict)


class AuditEvent(Table, tablename="audit_event"):
    """Who did what to which object, with what result, from where, when (BIO 8.15.01)."""

    at = Timestamptz(default=clock.now_default(), index=True)
    actor = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    actor_email = Varchar(length=254, default="")
    actor_gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict)
    actor_organisation = ForeignKey(Organisation, null=True, on_delete=OnDelete.restrict)
    action = Varchar(length=64)
    object_type = Varchar(length=32, default="")
    object_id = Varchar(length=64, default="")
    # The person whose data was read or changed, and that person's gemeente, for the beheer view.
    inburgeraar = ForeignKey(Inburgeraar, null=True, on_delete=OnDelete.restrict, index=True)
    subject_gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict)
    result = Varchar(length=16)
    origin = Varchar(length=64, default="")
    detail = Text(default="")


class DomainEvent(Table, tablename="domain_event"):
    """The outbox: written in the same transaction as the record it describes."""

    kind = Varchar(length=64)
    occurred_at = Timestamptz(default=clock.now_default())
    inburgeraar = ForeignKey(Inburgeraar, null=True, on_delete=OnDelete.restrict)
    gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict)
    payload = JSON(default="{}")
    # No index of its own: every update of it would write one. Pending events are found through the partial
    # indexes domain_event_pending and domain_event_pending_source (migrations), which hold only those.
    processed_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
    # Whose work it is ("aanbieder:<id>", else "gemeente:<id>"): rounds of processing share over the sources.
    source = Varchar(length=64, default="")


class DossierChange(Table, tablename="dossier_change"):
    """One version of one section of dossier data (a person's PIP, an enrollment, a contract...): the
    section's full data after the change, who made it and when. Appended, never edited, so the data a
    decision rests on stays retrievable. `kind`: baseline (the state before the first recorded change),
    register, change, correction, import."""

    object_type = Varchar(length=32)
    object_id = Integer()
    inburgeraar = ForeignKey(Inburgeraar, null=True, on_delete=OnDelete.restrict, index=True)
    gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict)
    section = Varchar(length=32)
    kind = Varchar(length=16)
    data = JSON(default="{}")
    note = Text(default="")
    changed_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    changed_at = Timestamptz(default=clock.now_default())


class Invitation(Table):
    """A one-time link to set a password. Only the SHA-256 of the token is kept."""

    token_hash = Varchar(length=64, unique=True)
    email = Varchar(length=254)
    name = Varchar(length=200)
    role = Varchar(length=32)
    gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict)
    organisation = ForeignKey(Organisation, null=True, on_delete=OnDelete.restrict)
    invited_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=clock.now_default())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    account = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)  # the user it created


class DossierImport(Table, tablename="dossier_import"):
    """A bulk onboarding file between preview and import. The rows are emptied once imported or
    discarded: the people then live in their dossiers, not here."""

    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    created_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=clock.now_default())
    filename = Varchar(length=200, default="")
    rows = JSON(default="[]")
    row_count = Integer(default=0)
    error_count = Integer(default=0)
    status = Varchar(length=16, default="preview")
    finished_at = Timestamptz(null=True, default=None)


class JobRun(Table, tablename="job_run"):
    """A periodic background job's run for one slot (a day, an hour): which process may run it, once
    (shared/jobs.py). Unique on (name, slot)."""

    name = Varchar(length=64)
    slot = Varchar(length=32)
    started_at = Timestamptz(default=clock.now_default())
    finished_at = Timestamptz(null=True, default=None)
    note = Text(default="")


# --- Mail (issue 12): a queue that a background worker sends from, never a request (ADR 0018, mail from a queue) ---


class OutgoingMail(Table, tablename="outgoing_mail"):
    """One e-mail to send. Requests only insert rows; `shared.mail.send_pending` (a background job) sends
    them, retrying with growing waits. Pending: not sent, not given up, `send_after` passed and no live lease.
    The body is emptied once the mail is sent or given up: a link in it (invitation, password reset) is not
    kept longer than needed. `dedupe_key` makes queueing idempotent (one digest per team and day)."""

    kind = Varchar(length=32)
    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body = Text(default="")
    dedupe_key = Varchar(length=160, null=True, default=None, unique=True)
    gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict)
    organisation = ForeignKey(Organisation, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=clock.now_default())
    send_after = Timestamptz(default=clock.now_default(), index=True)
    attempts = Integer(default=0)
    last_error = Text(default="")
    lease_until = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    failed_at = Timestamptz(null=True, default=None)


class PasswordReset(Table, tablename="password_reset"):
    """A request for a forgotten-password link. The request only stores the address (the same work whether an
    account exists or not); the mail job then looks the account up, makes the one-time token (only its
    SHA-256 is kept), and queues the mail. `status`: requested, sent, no_account, throttled, used."""

    email = Varchar(length=254)
    user = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    status = Varchar(length=16, default="requested")
    origin = Varchar(length=64, default="")
    requested_at = Timestamptz(default=clock.now_default(), index=True)
    expires_at = Timestamptz(null=True, default=None)
    used_at = Timestamptz(null=True, default=None)
