"""The hub's tables, as numbered migrations (component ``hub``)."""

from hub.case_tables import CASES_V13_SQL
from hub.fleet import FLEET_MIGRATIONS
from sync.figures.schema import FIGURES_SQL
from sync.outbox import OUTBOX_MIGRATIONS
from sync.store import Migration

HUB_MIGRATIONS = [
    Migration(
        "hub",
        1,
        "queue, windows, ratings, appointments, devices",
        """
        CREATE TABLE hall_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE number_counters (
            service_day TEXT NOT NULL,
            category TEXT NOT NULL,
            last_no INTEGER NOT NULL,
            PRIMARY KEY (service_day, category)
        );
        CREATE TABLE tickets (
            id TEXT PRIMARY KEY,
            service_day TEXT NOT NULL,
            number TEXT NOT NULL,
            issued_category TEXT NOT NULL,
            seq_no INTEGER NOT NULL,
            category TEXT NOT NULL,
            item_id TEXT,
            lane TEXT NOT NULL CHECK (lane IN ('appointment', 'green', 'ordinary')),
            green_group TEXT,
            status TEXT NOT NULL
                CHECK (status IN ('waiting', 'called', 'finished', 'missed', 'cancelled')),
            sort_key REAL NOT NULL,
            target_window INTEGER,
            window INTEGER,
            id_hash TEXT,
            id_masked TEXT,
            name_masked TEXT,
            appointment_id TEXT,
            issued_by TEXT,
            issued_at TEXT NOT NULL,
            called_at TEXT,
            finished_at TEXT,
            missed_at TEXT,
            call_count INTEGER NOT NULL DEFAULT 0,
            recall_count INTEGER NOT NULL DEFAULT 0,
            requeue_count INTEGER NOT NULL DEFAULT 0,
            transfer_count INTEGER NOT NULL DEFAULT 0,
            service_seconds REAL,
            rating_due_at TEXT,
            UNIQUE (service_day, issued_category, seq_no),
            UNIQUE (service_day, number)
        );
        CREATE INDEX tickets_queue ON tickets (service_day, status, category, lane, sort_key);
        CREATE INDEX tickets_person ON tickets (service_day, id_hash, category, status);
        CREATE INDEX tickets_done ON tickets (category, status, finished_at);
        CREATE TABLE windows (
            number INTEGER PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'serving', 'paused')),
            current_ticket TEXT REFERENCES tickets (id),
            pause_reason TEXT,
            priority_streak INTEGER NOT NULL DEFAULT 0,
            clerk_id TEXT,
            clerk_name TEXT,
            updated_at TEXT
        );
        CREATE TABLE ratings (
            id TEXT PRIMARY KEY,
            ticket_id TEXT NOT NULL UNIQUE REFERENCES tickets (id),
            window INTEGER NOT NULL,
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            reason TEXT,
            channel INTEGER NOT NULL,
            clerk_id TEXT,
            rated_at TEXT NOT NULL
        );
        CREATE TABLE followups (
            id TEXT PRIMARY KEY,
            rating_id TEXT NOT NULL UNIQUE REFERENCES ratings (id),
            ticket_id TEXT NOT NULL REFERENCES tickets (id),
            window INTEGER NOT NULL,
            level INTEGER NOT NULL,
            reason TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            due_date TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            closed_at TEXT,
            note TEXT
        );
        CREATE TABLE appointments (
            id TEXT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            service_day TEXT NOT NULL,
            slot_start TEXT NOT NULL,
            slot_end TEXT NOT NULL,
            category TEXT NOT NULL,
            item_id TEXT,
            id_hash TEXT,
            id_masked TEXT,
            status TEXT NOT NULL DEFAULT 'booked'
                CHECK (status IN ('booked', 'checked_in', 'cancelled')),
            ticket_id TEXT REFERENCES tickets (id)
        );
        CREATE INDEX appointments_person ON appointments (service_day, id_hash);
        CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('admin', 'kiosk', 'counter', 'board', 'display')),
            name TEXT NOT NULL,
            window INTEGER,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        """,
    ),
    Migration(
        "hub",
        2,
        "index for the day's queue order",
        "CREATE INDEX tickets_order ON tickets (service_day, sort_key);",
    ),
    Migration(
        "hub",
        3,
        "catalogs applied from central (hub/catalog.py)",
        """
        CREATE TABLE catalog (
            version INTEGER PRIMARY KEY,
            checksum TEXT NOT NULL,
            etag TEXT NOT NULL,
            json TEXT NOT NULL,
            applied_at TEXT NOT NULL
        );
        """,
    ),
    Migration(
        "hub",
        4,
        "cases and receipt counters, kiosk feedback, Idempotency-Keys of issued tickets",
        """
        CREATE TABLE cases (
            receipt TEXT PRIMARY KEY,
            service_day TEXT NOT NULL,
            item_id TEXT NOT NULL,
            item_name TEXT NOT NULL,
            department TEXT NOT NULL,
            window INTEGER NOT NULL,
            clerk_id TEXT,
            clerk_name TEXT,
            ticket_id TEXT REFERENCES tickets (id),
            accepted_at TEXT NOT NULL,
            promised_days INTEGER,
            promised_on TEXT,
            materials_received TEXT NOT NULL,
            materials_missing TEXT NOT NULL,
            applicant_masked TEXT,
            phone TEXT,
            status TEXT NOT NULL
        );
        CREATE INDEX cases_by_day ON cases (service_day);
        CREATE TABLE case_counters (
            service_day TEXT PRIMARY KEY,
            last_no INTEGER NOT NULL
        );
        CREATE TABLE feedback (
            id TEXT PRIMARY KEY,
            service_day TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('suggestion', 'unresolved')),
            reason TEXT NOT NULL,
            phone TEXT,
            source TEXT,
            received_at TEXT NOT NULL
        );
        CREATE INDEX feedback_by_day ON feedback (service_day);
        CREATE TABLE ticket_requests (
            service_day TEXT NOT NULL,
            key TEXT NOT NULL,
            ticket_id TEXT NOT NULL REFERENCES tickets (id),
            PRIMARY KEY (service_day, key)
        ) WITHOUT ROWID;
        """,
    ),
    Migration(
        "hub",
        5,
        "where an appointment came from (central's lists, or the hall's own admin)",
        """
        ALTER TABLE appointments ADD COLUMN source TEXT NOT NULL DEFAULT 'hall'
            CHECK (source IN ('hall', 'central'));
        """,
    ),
    Migration(
        "hub",
        6,
        "people who sign in to the console (hub/accounts.py), and the audit log (hub/audit.py)",
        """
        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('manager', 'supervisor', 'technician')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            password_changed_at TEXT NOT NULL,
            disabled_at TEXT
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            before TEXT,
            after TEXT
        );
        CREATE INDEX audit_log_by_target ON audit_log (target, id);
        """,
    ),
    Migration(
        "hub",
        7,
        "figures: rollups the reports read, kept by the fold of sync/figures (docs/reports.md)",
        FIGURES_SQL,
    ),
    Migration(
        "hub",
        8,
        "差评 follow-ups as a state machine with their steps (hub/followups.py), kiosk feedback"
        " handling (hub/notices.py), the alerts inbox (hub/alerts.py)",
        # SQLite cannot change a CHECK: the follow-ups are copied into a new table (ids kept,
        # 'open' → 'pending'). Old rows had one due date: it becomes both due dates. A note
        # the old table held becomes a 'legacy' step. Nothing referenced the old table.
        """
        CREATE TABLE followups_v8 (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('rating', 'unresolved')),
            rating_id TEXT UNIQUE REFERENCES ratings (id),
            feedback_id TEXT UNIQUE,
            ticket_id TEXT REFERENCES tickets (id),
            service_day TEXT NOT NULL,
            window INTEGER,
            clerk_id TEXT,
            clerk_name TEXT,
            level INTEGER CHECK (level IS NULL OR level BETWEEN 1 AND 5),
            reason TEXT NOT NULL,
            phone TEXT,
            opened_at TEXT NOT NULL,
            verify_due_on TEXT NOT NULL,
            close_due_on TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'invalid', 'rectifying', 'revisiting', 'closed')),
            closed_at TEXT,
            closed_late INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO followups_v8 (id, kind, rating_id, ticket_id, service_day, window, clerk_id,
            level, reason, opened_at, verify_due_on, close_due_on, status, closed_at)
        SELECT f.id, 'rating', f.rating_id, f.ticket_id,
            COALESCE(t.service_day, substr(f.opened_at, 1, 10)), f.window, r.clerk_id,
            f.level, f.reason, f.opened_at, f.due_date, f.due_date,
            CASE f.status WHEN 'closed' THEN 'closed' ELSE 'pending' END,
            CASE f.status WHEN 'closed' THEN COALESCE(f.closed_at, f.opened_at) END
        FROM followups f
        LEFT JOIN tickets t ON t.id = f.ticket_id
        LEFT JOIN ratings r ON r.id = f.rating_id;
        CREATE TEMP TABLE followup_notes_v8 AS
            SELECT id, note, COALESCE(closed_at, opened_at) AS at FROM followups
            WHERE note IS NOT NULL AND trim(note) != '';
        DROP TABLE followups;
        ALTER TABLE followups_v8 RENAME TO followups;
        CREATE INDEX followups_by_status ON followups (status, service_day);
        CREATE INDEX followups_by_day ON followups (service_day);
        CREATE TABLE followup_steps (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            followup_id TEXT NOT NULL REFERENCES followups (id),
            step TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT,
            fields TEXT NOT NULL
        );
        CREATE INDEX followup_steps_by_followup ON followup_steps (followup_id, id);
        INSERT INTO followup_steps (followup_id, step, at, actor, actor_role, fields)
            SELECT id, 'legacy', at, '', '', json_object('note', note)
            FROM temp.followup_notes_v8;
        DROP TABLE temp.followup_notes_v8;
        ALTER TABLE feedback ADD COLUMN status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'read', 'assigned', 'closed'));
        ALTER TABLE feedback ADD COLUMN read_at TEXT;
        ALTER TABLE feedback ADD COLUMN read_by TEXT;
        ALTER TABLE feedback ADD COLUMN assignee TEXT;
        ALTER TABLE feedback ADD COLUMN assigned_at TEXT;
        ALTER TABLE feedback ADD COLUMN assigned_by TEXT;
        ALTER TABLE feedback ADD COLUMN reply_note TEXT;
        ALTER TABLE feedback ADD COLUMN replied_at TEXT;
        ALTER TABLE feedback ADD COLUMN replied_by TEXT;
        ALTER TABLE feedback ADD COLUMN closed_at TEXT;
        ALTER TABLE feedback ADD COLUMN closed_by TEXT;
        ALTER TABLE feedback ADD COLUMN close_note TEXT;
        CREATE INDEX feedback_by_status ON feedback (status, service_day);
        ALTER TABLE windows ADD COLUMN paused_at TEXT;
        UPDATE windows SET paused_at = updated_at WHERE status = 'paused';
        CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('help', 'device', 'wait', 'pause')),
            source TEXT NOT NULL,
            device TEXT NOT NULL,
            problem TEXT NOT NULL,
            detail TEXT,
            subject TEXT,
            sent_by TEXT,
            service_day TEXT NOT NULL,
            raised_at TEXT NOT NULL,
            acked_at TEXT,
            acked_by TEXT,
            acked_role TEXT,
            UNIQUE (kind, subject)
        );
        CREATE INDEX alerts_open ON alerts (acked_at, raised_at);
        CREATE INDEX alerts_by_day ON alerts (service_day, raised_at);
        """,
    ),
    Migration(
        "hub",
        9,
        "Idempotency-Keys scoped to the device that sent them, with a keyed hash of the request",
        # The primary key changes, so the table is copied. Keys stored before knew no device
        # (device ''): a retry of one of them after the upgrade is a new request; keys live
        # for their service day only.
        """
        CREATE TABLE ticket_requests_v9 (
            service_day TEXT NOT NULL,
            device TEXT NOT NULL,
            key TEXT NOT NULL,
            request_hash TEXT,
            ticket_id TEXT NOT NULL REFERENCES tickets (id),
            PRIMARY KEY (service_day, device, key)
        ) WITHOUT ROWID;
        INSERT INTO ticket_requests_v9 (service_day, device, key, request_hash, ticket_id)
            SELECT service_day, '', key, NULL, ticket_id FROM ticket_requests;
        DROP TABLE ticket_requests;
        ALTER TABLE ticket_requests_v9 RENAME TO ticket_requests;
        """,
    ),
    Migration(
        "hub",
        10,
        "Versions of the hall's effective configuration (file imports, console edits, rollbacks)",
        # data: the whole hall-local configuration as JSON; file_digest: the digest of the
        # configuration file a 'file' version was imported from (a changed file is imported
        # again at the next start).
        """
        CREATE TABLE config_versions (
            version INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            author TEXT NOT NULL,
            author_role TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('file', 'console', 'rollback')),
            note TEXT NOT NULL,
            sections TEXT NOT NULL,
            digest TEXT NOT NULL,
            file_digest TEXT,
            data TEXT NOT NULL
        );
        """,
    ),
    Migration(
        "hub",
        11,
        "When each device token was last used (written at most about once a minute per device)",
        """
        ALTER TABLE devices ADD COLUMN last_seen_at TEXT;
        """,
    ),
    Migration(
        "hub",
        12,
        "Phone page links: each ticket's and case's unguessable code",
        # code: derived from the hub secret and the subject (hub.phone.links); a ticket's link
        # answers on its service day only, a case's for phone.case_days after acceptance.
        """
        CREATE TABLE phone_links (
            code TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('ticket', 'case')),
            subject TEXT NOT NULL,
            service_day TEXT NOT NULL,
            UNIQUE (kind, subject)
        ) WITHOUT ROWID;
        CREATE INDEX phone_links_by_day ON phone_links (service_day);
        """,
    ),
    Migration(
        "hub",
        13,
        "The case after 收件: moves and their history, the applicant's ID hash, 电子监察 alerts",
        CASES_V13_SQL,  # hub/case_tables.py
    ),
    Migration(
        "hub",
        14,
        "SMS to citizens: phones given at the kiosk and the durable queue of text messages",
        # sms_subscriptions.phone and sms_outbox.phone are purged after the retention period
        # (hub.retention). sms_outbox: one row per (kind, subject) ever; subject is the ticket
        # id (near, call) or the receipt (ready); message_id is the gateway's idempotency key.
        """
        CREATE TABLE sms_subscriptions (
            ticket_id TEXT PRIMARY KEY REFERENCES tickets (id),
            service_day TEXT NOT NULL,
            phone TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX sms_subscriptions_by_day ON sms_subscriptions (service_day);
        CREATE TABLE sms_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('near', 'call', 'ready')),
            subject TEXT NOT NULL,
            service_day TEXT NOT NULL,
            phone TEXT,
            text TEXT NOT NULL,
            params TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'sent', 'dropped', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_try_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            settled_at TEXT,
            drop_reason TEXT,
            UNIQUE (kind, subject)
        );
        CREATE INDEX sms_outbox_queued ON sms_outbox (state, id);
        CREATE INDEX sms_outbox_by_day ON sms_outbox (service_day);
        """,
    ),
]

# fleet: its own component, so the previous hub (a rollback of the hub box) still opens the store.
ALL_MIGRATIONS = [*OUTBOX_MIGRATIONS, *HUB_MIGRATIONS, *FLEET_MIGRATIONS]
