// Generated from the service's OpenAPI document by `npm run api:generate`: do not edit.
// CI fails when this file and the running service's /docs-json differ.
export interface paths {
    "/access/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * May this application use these fields for this purpose (and subject)? Recorded.
         * @description Each field is allowed, or denied with the first failing rule (docs/access-check.md). decision is allow (every field), deny (none) or partial. A purpose the application is not authorised for is a recorded deny (APPLICATION_NOT_AUTHORISED), not a 403. Only applications ask for decisions: any other caller gets 403 FORBIDDEN, nothing is recorded (DPOs: POST /access/explain).
         */
        post: operations["AccessController_check"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/access/check/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Up to 1000 checks in one call, each answered and recorded as by /access/check */
        post: operations["AccessController_checkBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/access/explain": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** For DPOs: the same evaluation with the rule trail per field; not an application decision */
        post: operations["AccessController_explain"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/checkpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Signed checkpoints of the chain head, newest first (keep copies elsewhere) */
        get: operations["AuditController_checkpoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/checkpoints/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Stream every signed checkpoint as NDJSON, oldest first (for docs/verify-audit-export.mjs); the export is itself audited */
        get: operations["AuditController_exportCheckpoints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/decisions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Search recorded access decisions (application, purpose, field, reason, outcome, subject id, time), newest first
         * @description Each decision with its per-field reasons and the register revision it was taken under. The subject id is hashed by the service (the trail stores only its keyed hash). Explanations (access.explained) are not decisions and are not listed.
         */
        get: operations["AuditDecisionsController_search"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Search events (time range, type, actor, purpose, subject id; cursor pagination) */
        get: operations["AuditController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/events/{seq}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One event by sequence number */
        get: operations["AuditController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Stream the trail as NDJSON (verifiable, see docs/audit.md) or CSV; the export is itself audited */
        get: operations["AuditController_export"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/public-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The Ed25519 public key that verifies checkpoint signatures (keep a copy outside Finalité) */
        get: operations["AuditController_publicKey"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audit/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Walk the hash chain and the signed checkpoints; report the first broken link or OK with the head */
        get: operations["AuditController_verify"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/auth/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The current console session: principal, roles, expiry and csrfToken */
        get: operations["SessionController_current"];
        put?: never;
        /**
         * Sign in to the console with an API key: sets the session cookie
         * @description Answers the session with its csrfToken, to send as X-CSRF-Token on every unsafe request made with the cookie.
         */
        post: operations["SessionController_signIn"];
        /** Sign out: ends the console session and clears its cookie */
        delete: operations["SessionController_signOut"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/consents/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Bulk import consent events (NDJSON, one object per line), all or nothing
         * @description Each line is validated like POST /subjects/{subjectId}/consents plus `subjectId`. If any line is invalid nothing is imported and the 422 lists the bad lines (`details.errors[].line`). Send `application/x-ndjson` or `application/octet-stream` (both streamed, up to 52428800 bytes); at most 50000 rows per import.
         */
        post: operations["ConsentsController_import"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/dashboard/posture": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Compliance posture: gaps by kind, access decisions per day, top denial reasons, denial spikes, verified audit head
         * @description Not an export (nothing is recorded in the audit trail). Overdue data, legal holds and retention runs: GET /retention/overdue, /legal-holds, /retention/runs.
         */
        get: operations["DashboardController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/fields": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List fields (filter by system, category, purpose, special, unbound) */
        get: operations["FieldsController_list"];
        put?: never;
        /** Register a personal-data field of a dataset (key: system.table.column) */
        post: operations["FieldsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/fields/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a field with its bindings, effective retention and flags */
        get: operations["FieldsController_get"];
        put?: never;
        post?: never;
        /** Remove a field and its bindings */
        delete: operations["FieldsController_delete"];
        options?: never;
        head?: never;
        /** Edit a field (category, description, anonymisation) */
        patch: operations["FieldsController_update"];
        trace?: never;
    };
    "/fields/{key}/purposes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Replace the purposes a field is bound to, with the actions each allows */
        put: operations["FieldsController_replaceBindings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process is up */
        get: operations["HealthController_live"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the database (and Redis when configured) answer */
        get: operations["HealthController_ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/interactions/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record up to 1000 contacts of several subjects, all or nothing
         * @description It restarts, for this subject, the clock of every purpose whose retention runs from the last interaction (`trigger: last_interaction`), in the purge and in the overdue view. Record only contacts coming from the subject (the CNIL counts "from the last contact coming from the prospect").
         */
        post: operations["InteractionsController_import"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/legal-holds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Legal holds (in force by default) */
        get: operations["LegalHoldsController_list"];
        put?: never;
        /** Place a legal hold on a subject, a dataset or a whole system (suspends purging) */
        post: operations["LegalHoldsController_place"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/legal-holds/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One legal hold */
        get: operations["LegalHoldsController_get"];
        put?: never;
        post?: never;
        /** Lift a legal hold (purging of what it covered resumes at the next run) */
        delete: operations["LegalHoldsController_lift"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who am I: principal, roles, authorised purposes and the key in use */
        get: operations["MeController_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/principals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List principals with their keys (prefix, created, last used, expiry) */
        get: operations["PrincipalsController_list"];
        put?: never;
        /** Create a principal with its first API key (the key is shown once) */
        post: operations["PrincipalsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/principals/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a principal with its keys */
        get: operations["PrincipalsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change the name, roles or disabled flag (disabling stops every key at once) */
        patch: operations["PrincipalsController_update"];
        trace?: never;
    };
    "/principals/{id}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create an API key (shown once); with replaceKeyId, rotate: the old key expires after the grace period */
        post: operations["PrincipalsController_createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/principals/{id}/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key: refused at once, on every instance */
        delete: operations["PrincipalsController_revokeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/principals/{id}/purposes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set the purposes an application may invoke (replaces the whole set) */
        put: operations["PrincipalsController_setPurposes"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/processors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every processor (art. 28), with its agreement and its transfers outside the EEA */
        get: operations["ProcessorsController_list"];
        put?: never;
        /**
         * Declare a processor
         * @description Audited as `processor.created`; the first version of its history.
         */
        post: operations["ProcessorsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/processors/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One processor */
        get: operations["ProcessorsController_get"];
        /**
         * Replace a processor’s declaration (agreement, locations, sub-processors)
         * @description The whole declaration: optional parts left out are cleared. Audited as `processor.updated` with the declaration before and after; sending it unchanged records nothing.
         */
        put: operations["ProcessorsController_replace"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/processors/{code}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every version of the processor, with who changed what and when */
        get: operations["ProcessorsController_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/purposes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List purposes (filter by status, legal basis, text; cursor pagination) */
        get: operations["PurposesController_list"];
        put?: never;
        /** Draft a new purpose */
        post: operations["PurposesController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/purposes/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a purpose with its effective (own or inherited) declaration */
        get: operations["PurposesController_get"];
        put?: never;
        post?: never;
        /** Delete a draft that was never active (its history is kept) */
        delete: operations["PurposesController_delete"];
        options?: never;
        head?: never;
        /** Edit a draft or active purpose (null clears a value; a sub-purpose then inherits it) */
        patch: operations["PurposesController_update"];
        trace?: never;
    };
    "/purposes/{code}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Activate a draft (needs legal basis, retention, controller, data subjects) */
        post: operations["PurposesController_activate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/purposes/{code}/fields": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Fields bound to a purpose */
        get: operations["FieldsController_listOfPurpose"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/purposes/{code}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every version of the purpose, with who changed what and when */
        get: operations["PurposesController_history"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/purposes/{code}/retire": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retire an active purpose (stays readable; never deleted) */
        post: operations["PurposesController_retire"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/register/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The whole register (purposes, systems, datasets, fields, bindings) as one YAML or JSON document
         * @description Canonical: sorted, nulls left out, no secrets, so it diffs cleanly in git.
         */
        get: operations["RegisterController_export"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/register/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replace the register with a document, all or nothing (dryRun=true: only the diff)
         * @description Validated as a whole: every problem is listed with its path. Purposes absent from the document are retired; systems, datasets and fields absent from it are removed. Secrets are never imported.
         */
        post: operations["RegisterController_import"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/register/organisation": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The controller as the record of processing names it: contact details, DPO, EU representative */
        get: operations["OrganisationController_get"];
        /**
         * Declare or replace the controller organisation (art. 30(1)(a), art. 27)
         * @description The whole record: optional parts left out are cleared. Audited as `organisation.updated` with the record before and after; sending it unchanged records nothing. `If-Match: "<version>"` is optional ("0" before the first declaration).
         */
        put: operations["OrganisationController_put"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/access": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Access decisions by application × purpose × outcome, denial reasons, spikes
         * @description Formats: json, csv. Streamed; the export is recorded in the audit trail (`report.exported`, with the SHA-256 of the document) once the document is complete.
         */
        get: operations["ReportsController_access"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/gaps": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Compliance gaps, each with a severity and a link to the object to fix
         * @description Formats: json, pdf. Streamed; the export is recorded in the audit trail (`report.exported`, with the SHA-256 of the document) once the document is complete.
         */
        get: operations["ReportsController_gaps"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/integrity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Audit trail integrity certificate, re-checkable offline
         * @description Formats: json, pdf. Streamed; the export is recorded in the audit trail (`report.exported`, with the SHA-256 of the document) once the document is complete.
         */
        get: operations["ReportsController_integrity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/retention": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Retention runs and volumes per system and dataset, failures, overdue data
         * @description Formats: json, csv, pdf. Streamed; the export is recorded in the audit trail (`report.exported`, with the SHA-256 of the document) once the document is complete.
         */
        get: operations["ReportsController_retention"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reports/ropa": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Record of processing activities (art. 30(1)), one entry per active purpose
         * @description Formats: json, csv, pdf, xlsx. Streamed; the export is recorded in the audit trail (`report.exported`, with the SHA-256 of the document) once the document is complete.
         */
        get: operations["ReportsController_ropa"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/callbacks/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Webhook system confirms a purge (authenticated by the one-time token it received) */
        post: operations["RetentionController_callback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/overdue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What is due now per dataset, and how long overdue */
        get: operations["RetentionController_overdue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/presets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** CNIL retention presets: durations from its référentiels and the laws they cite, with sources */
        get: operations["RetentionPresetsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/rules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The effective retention rule of every personal field, in plain words */
        get: operations["RetentionController_rules"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Retention runs, newest first */
        get: operations["RetentionController_list"];
        put?: never;
        /** Start a retention run (or a dry run) over every system, one system or one dataset */
        post: operations["RetentionController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run: status and, per dataset, rows scanned, deleted, anonymised, held, errors */
        get: operations["RetentionController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a run (a running purge stops after its current batch) */
        post: operations["RetentionController_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Manual purge tasks (systems Finalité cannot reach) */
        get: operations["RetentionController_tasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/retention/tasks/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Report a manual purge as done, with its counts */
        post: operations["RetentionController_completeTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/subjects/{subjectId}/consents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A subject's current consent per purpose and full history
         * @description An application sees only the purposes it is authorised for; others are left out.
         */
        get: operations["ConsentsController_list"];
        put?: never;
        /** Grant or withdraw consent to one purpose (withdrawal takes effect at once, art. 7(3)) */
        post: operations["ConsentsController_record"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/subjects/{subjectId}/erasure": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The subject's erasure requests, newest first */
        get: operations["ErasureController_list"];
        put?: never;
        /** Art. 17: erase a subject everywhere, except what a legal obligation or a legal hold still justifies */
        post: operations["ErasureController_request"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/subjects/{subjectId}/erasure/{requestId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One erasure request: status, what was erased, what was kept and why */
        get: operations["ErasureController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/subjects/{subjectId}/interactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a contact that came from the subject
         * @description It restarts, for this subject, the clock of every purpose whose retention runs from the last interaction (`trigger: last_interaction`), in the purge and in the overdue view. Record only contacts coming from the subject (the CNIL counts "from the last contact coming from the prospect").
         */
        post: operations["InteractionsController_record"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/subjects/{subjectId}/restrictions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A subject's restrictions and objections, active and lifted */
        get: operations["RestrictionsController_list"];
        put?: never;
        /** Restrict (art. 18) or record an objection (art. 21): no use but storage until lifted */
        post: operations["RestrictionsController_set"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/subjects/{subjectId}/restrictions/{restrictionId}/lift": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Lift a restriction or objection (takes effect at once) */
        post: operations["RestrictionsController_lift"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/systems": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List systems (secrets never returned: see hasConnection) */
        get: operations["SystemsController_list"];
        put?: never;
        /** Register a system (postgres, webhook or manual); secrets are stored encrypted */
        post: operations["SystemsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/systems/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a system */
        get: operations["SystemsController_get"];
        put?: never;
        post?: never;
        /** Remove a system that has no datasets left */
        delete: operations["SystemsController_delete"];
        options?: never;
        head?: never;
        /** Edit a system (absent = unchanged, null = clear; secrets are write-only) */
        patch: operations["SystemsController_update"];
        trace?: never;
    };
    "/systems/{code}/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the datasets of a system */
        get: operations["SystemsController_listDatasets"];
        put?: never;
        /** Declare a dataset (schema.table) of a system */
        post: operations["SystemsController_createDataset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/systems/{code}/datasets/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a dataset */
        get: operations["SystemsController_getDataset"];
        put?: never;
        post?: never;
        /** Remove a dataset that has no fields left */
        delete: operations["SystemsController_deleteDataset"];
        options?: never;
        head?: never;
        /** Edit a dataset (primary key, subject column, timestamp columns) */
        patch: operations["SystemsController_updateDataset"];
        trace?: never;
    };
    "/systems/{code}/scan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Read the catalogue of a postgres system and list the columns not registered as fields */
        post: operations["SystemsController_scan"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AccessBatchResultDto: {
            /** @description One decision per check, in order */
            results: components["schemas"]["AccessDecisionDto"][];
        };
        AccessCheckBatchDto: {
            /** @description Up to 1000 checks, answered in order (413 beyond) */
            checks: components["schemas"]["AccessCheckDto"][];
        };
        AccessCheckDto: {
            /**
             * @description read, write, export, share, profile
             * @example read
             */
            action: string;
            /**
             * @description Free JSON recorded with the decision (up to 4096 bytes)
             * @example {
             *       "screen": "newsletter-composer",
             *       "requestedBy": "campaign-7"
             *     }
             */
            context?: {
                [key: string]: unknown;
            };
            /**
             * @description Field keys (system.dataset.column), 1 to 500
             * @example [
             *       "crm.customers.email",
             *       "crm.customers.first_name"
             *     ]
             */
            fields: string[];
            /**
             * @description Archive phase: why the archive is reached (trimmed, 1 to 1000 characters), recorded with the decision. Missing or blank: deny ARCHIVE_JUSTIFICATION_MISSING. Ignored in the active phase
             * @example Tax audit 2027-014: invoices of this customer requested by the DGFiP
             */
            justification?: string;
            /**
             * @description active when absent: ordinary use; a purpose whose active phase is over for the subject is denied (ARCHIVED). archive: reaching the intermediate archive, allowed only with an archive grant on the purpose (archivePurposeCodes), a justification and a subject in archive phase (ADR 0054)
             * @example archive
             * @enum {string}
             */
            phase?: "active" | "archive";
            /**
             * @description The purpose the data is used for
             * @example marketing.newsletter
             */
            purpose: string;
            /**
             * @description The data subject; required for consent-based purposes, checked for restrictions
             * @example customer-42
             */
            subjectId?: string;
        };
        AccessDecisionDto: {
            /**
             * @example partial
             * @enum {string}
             */
            decision: "allow" | "deny" | "partial";
            /**
             * Format: uuid
             * @description Id of the decision in the audit trail (target id)
             * @example e8b4c2a0-6d1f-4f3a-9b7c-5e2d1a0f9c8b
             */
            decisionId: string;
            /** @example 2026-05-04T10:00:00.000Z */
            evaluatedAt: string;
            fields: components["schemas"]["FieldDecisionDto"][];
            /**
             * @description Register revision the compiled policy was built from
             * @example 42
             */
            policyRevision: number;
            purpose: components["schemas"]["DecisionPurposeDto"];
        };
        AccessDecisionRecordDto: {
            /** @example read */
            action: string;
            /** @description The application that asked */
            application: components["schemas"]["AuditActorDto"];
            /**
             * @example partial
             * @enum {string}
             */
            decision: "allow" | "deny" | "partial";
            /** @example e8b4c2a0-6d1f-4f3a-9b7c-5e2d1a0f9c8b */
            decisionId: string | null;
            fields: components["schemas"]["DecisionFieldDto"][];
            /** @example 2026-03-01T10:15:30.123Z */
            occurredAt: string;
            /**
             * @description Register revision the decision was taken under
             * @example 42
             */
            policyRevision: number | null;
            /** @example marketing.newsletter */
            purposeCode: string | null;
            /**
             * @description Sequence number of the event in the audit trail
             * @example 1042
             */
            seq: number;
            /**
             * @description HMAC-SHA-256 of the data subject id (the id itself is never stored)
             * @example 3f1c9a…
             */
            subjectRef: string | null;
        };
        AccessDecisionRecordPageDto: {
            items: components["schemas"]["AccessDecisionRecordDto"][];
            /**
             * @description Pass as `cursor` to get the next page; null on the last page
             * @example WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ
             */
            nextCursor: string | null;
        };
        AccessExplainDto: {
            /**
             * @description read, write, export, share, profile
             * @example read
             */
            action: string;
            /**
             * Format: uuid
             * @description Evaluate as this application principal (its authorised purposes); omitted: the authorisation rule is skipped
             * @example 4c2e8f1a-9b3d-4e6f-a7c8-1d2e3f4a5b6c
             */
            applicationId?: string;
            /**
             * @description Free JSON recorded with the decision (up to 4096 bytes)
             * @example {
             *       "screen": "newsletter-composer",
             *       "requestedBy": "campaign-7"
             *     }
             */
            context?: {
                [key: string]: unknown;
            };
            /**
             * @description Field keys (system.dataset.column), 1 to 500
             * @example [
             *       "crm.customers.email",
             *       "crm.customers.first_name"
             *     ]
             */
            fields: string[];
            /**
             * @description Archive phase: why the archive is reached (trimmed, 1 to 1000 characters), recorded with the decision. Missing or blank: deny ARCHIVE_JUSTIFICATION_MISSING. Ignored in the active phase
             * @example Tax audit 2027-014: invoices of this customer requested by the DGFiP
             */
            justification?: string;
            /**
             * @description active when absent: ordinary use; a purpose whose active phase is over for the subject is denied (ARCHIVED). archive: reaching the intermediate archive, allowed only with an archive grant on the purpose (archivePurposeCodes), a justification and a subject in archive phase (ADR 0054)
             * @example archive
             * @enum {string}
             */
            phase?: "active" | "archive";
            /**
             * @description The purpose the data is used for
             * @example marketing.newsletter
             */
            purpose: string;
            /**
             * @description The data subject; required for consent-based purposes, checked for restrictions
             * @example customer-42
             */
            subjectId?: string;
        };
        AccessExplanationDto: {
            /**
             * Format: uuid
             * @description Application evaluated as (null: authorisation not evaluated)
             * @example 4c2e8f1a-9b3d-4e6f-a7c8-1d2e3f4a5b6c
             */
            applicationId: string | null;
            /**
             * @example deny
             * @enum {string}
             */
            decision: "allow" | "deny" | "partial";
            /** @example 2026-05-04T10:00:00.000Z */
            evaluatedAt: string;
            fields: components["schemas"]["FieldExplanationDto"][];
            /** @example 42 */
            policyRevision: number;
            purpose: components["schemas"]["DecisionPurposeDto"];
            /**
             * @description The audit event this explanation was recorded as. An explanation is audited (who looked at which purpose, fields and subject, and the answer), but it is not an application decision: it is never recorded as access.decision and is not counted in decision statistics or reports.
             * @example access.explained
             * @enum {string}
             */
            recordedAs: "access.explained";
        };
        AccessReportDto: {
            /** @description Accesses to the intermediate archive, counted apart (they are also in totals and rows; the CSV lists rows only) */
            archiveAccesses: components["schemas"]["ArchiveAccessesDto"];
            /** @description Audit chain head at generation time */
            auditChainHead: components["schemas"]["ChainHeadDto"] | null;
            /** @example 2026-11-23T08:00:00.000Z */
            generatedAt: string;
            /**
             * @example en
             * @enum {string}
             */
            lang: "en" | "fr";
            /** @description null for ropa and integrity */
            period: components["schemas"]["ReportPeriodDto"] | null;
            previousPeriod: components["schemas"]["ReportPeriodDto"];
            /**
             * @example ropa
             * @enum {string}
             */
            report: "ropa" | "gaps" | "access" | "retention" | "integrity";
            /** @description Every decision, both phases */
            rows: components["schemas"]["AccessRowDto"][];
            /** @example Record of processing activities */
            title: string;
            /** @description The most frequent reasons, at most 10 */
            topDenialReasons: components["schemas"]["DenialReasonCountDto"][];
            /**
             * @example {
             *       "decisions": 1200,
             *       "byOutcome": {
             *         "allow": 1150,
             *         "deny": 50
             *       }
             *     }
             */
            totals: Record<string, never>;
            unusualPatterns: components["schemas"]["DenialSpikeDto"][];
        };
        AccessRowDto: {
            /**
             * @description Display name (not unique: use applicationId)
             * @example crm-app
             */
            application: string;
            /**
             * Format: uuid
             * @example 3f0c2b1e-8d4b-4f7e-9a51-3c2d1b0a9e8f
             */
            applicationId: string;
            /** @example 42 */
            count: number;
            /** @example deny */
            outcome: string;
            /** @example marketing.newsletter */
            purposeCode: string;
        };
        ActorDto: {
            /** @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59 */
            id: string;
            /** @example Jeanne Martin (DPO) */
            name: string;
            /**
             * @example principal
             * @enum {string}
             */
            type: "principal" | "system";
        };
        AnonymisationDto: {
            /**
             * @example hash
             * @enum {string}
             */
            strategy: "nullify" | "hash" | "generalise" | "fixed";
            /**
             * @description Replacement for `fixed` (required there); granularity hint for `generalise` (e.g. year)
             * @example anonymised
             */
            value?: string;
        };
        AnonymisationResponseDto: {
            /**
             * @example hash
             * @enum {string}
             */
            strategy: "nullify" | "hash" | "generalise" | "fixed";
            /** @example year */
            value?: string;
        };
        ApiKeyResponseDto: {
            /**
             * Format: date-time
             * @example 2026-11-02T09:30:00.000Z
             */
            createdAt: string;
            /**
             * @description Principal id of the creator
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            createdBy: string;
            /**
             * Format: date-time
             * @example 2027-11-02T09:30:00.000Z
             */
            expiresAt: string | null;
            /**
             * Format: uuid
             * @example 6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a
             */
            id: string;
            /** @example CRM production */
            label: string | null;
            /**
             * Format: date-time
             * @description Updated at most about once a minute
             * @example 2026-11-03T14:00:00.000Z
             */
            lastUsedAt: string | null;
            /**
             * @description Visible, non-secret start of the key
             * @example fin_3kq9x2ab
             */
            prefix: string;
            /**
             * Format: uuid
             * @description Set on rotation
             * @example null
             */
            replacedByKeyId: string | null;
            /**
             * Format: date-time
             * @example null
             */
            revokedAt: string | null;
            /**
             * @example active
             * @enum {string}
             */
            status: "active" | "expired" | "revoked";
        };
        ArchiveAccessesDto: {
            /**
             * @example {
             *       "allow": 2,
             *       "deny": 1
             *     }
             */
            byOutcome: Record<string, never>;
            /**
             * @description Archive-phase decisions (phase "archive"), allowed or denied
             * @example 3
             */
            decisions: number;
            rows: components["schemas"]["AccessRowDto"][];
        };
        AuditActorDto: {
            /** @example 8a6e0804-2bd0-4672-b79d-d97027f9071a */
            id: string;
            /** @example CRM backend */
            name: string;
            /**
             * @example principal
             * @enum {string}
             */
            type: "principal" | "system";
        };
        AuditChainBreakDto: {
            /** @example 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 */
            expected: string;
            /** @example 6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b */
            found: string;
            /** @example Event seq 731 does not match its hash (its content was changed) */
            message: string;
            /**
             * @example hash_mismatch
             * @enum {string}
             */
            reason: "missing_event" | "prev_hash_mismatch" | "hash_mismatch" | "checkpoint_mismatch" | "checkpoint_signature_invalid" | "truncated_tail" | "checkpoints_missing";
            /**
             * @description The first sequence number at which the trail is wrong
             * @example 731
             */
            seq: number;
        };
        AuditChainHeadDto: {
            /** @example 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 */
            hash: string;
            /** @example 1042 */
            seq: number;
        };
        AuditCheckpointPageDto: {
            items: components["schemas"]["AuditCheckpointResponseDto"][];
            /**
             * @description Pass as `cursor` to get the next page; null on the last page
             * @example WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ
             */
            nextCursor: string | null;
        };
        AuditCheckpointResponseDto: {
            /** @example 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 */
            headHash: string;
            /**
             * @description Sequence of the head that was signed
             * @example 1042
             */
            headSeq: number;
            /** @example 17 */
            id: number;
            /**
             * @description Names the signing key (see /audit/public-key)
             * @example c0ffee0123456789
             */
            keyId: string;
            /**
             * @description Ed25519 signature (base64) of canonical JSON {"headHash","headSeq","signedAt"}
             * @example q1w2e3…==
             */
            signature: string;
            /** @example 2026-03-01T10:20:00.000Z */
            signedAt: string;
        };
        AuditCheckpointSummaryDto: {
            /** @example 12 */
            checked: number;
            latest: components["schemas"]["AuditCheckpointResponseDto"] | null;
            /**
             * @description Signed by another key (not relied upon)
             * @example 0
             */
            unverifiable: number;
        };
        AuditEventPageDto: {
            items: components["schemas"]["AuditEventResponseDto"][];
            /**
             * @description Pass as `cursor` to get the next page; null on the last page
             * @example WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ
             */
            nextCursor: string | null;
        };
        AuditEventResponseDto: {
            actor: components["schemas"]["AuditActorDto"];
            /** @example 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 */
            hash: string;
            /** @example 2026-03-01T10:15:30.123Z */
            occurredAt: string;
            /**
             * @example {
             *       "decision": "deny",
             *       "fields": [
             *         {
             *           "field": "email",
             *           "allowed": false,
             *           "reason": "CONSENT_WITHDRAWN"
             *         }
             *       ]
             *     }
             */
            payload: {
                [key: string]: unknown;
            };
            /** @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 */
            prevHash: string;
            /** @example marketing.newsletter */
            purposeCode: string | null;
            /** @example b7d3c1c6-3f6e-4a57-9a43-6c3f7f1d2e11 */
            requestId: string | null;
            /**
             * @description Monotonic, gap-free sequence number
             * @example 1042
             */
            seq: number;
            /**
             * @description HMAC-SHA-256 of the data subject id (the id itself is never stored)
             * @example 3f1c…
             */
            subjectRef: string | null;
            target: components["schemas"]["AuditTargetDto"] | null;
            /** @example access.decision */
            type: string;
        };
        AuditPublicKeyResponseDto: {
            /**
             * @example Ed25519
             * @enum {string}
             */
            algorithm: "Ed25519";
            /** @example c0ffee0123456789 */
            keyId: string;
            /**
             * @example -----BEGIN PUBLIC KEY-----
             *     MCowBQYDK2VwAyEA…
             *     -----END PUBLIC KEY-----
             */
            publicKeyPem: string;
        };
        AuditTargetDto: {
            /** @example marketing.newsletter */
            id: string;
            /** @example purpose */
            type: string;
        };
        AuditVerificationResponseDto: {
            /** @example 1042 */
            checkedEvents: number;
            checkpoints: components["schemas"]["AuditCheckpointSummaryDto"];
            firstBreak?: components["schemas"]["AuditChainBreakDto"] | null;
            /** @example 1 */
            fromSeq: number;
            /** @description Last event that verified */
            head: components["schemas"]["AuditChainHeadDto"] | null;
            /** @example true */
            ok: boolean;
            /** @example 1042 */
            toSeq: number;
            /** @example 2026-03-01T10:21:00.000Z */
            verifiedAt: string;
        };
        CallbackAcceptedDto: {
            /** @example true */
            accepted: boolean;
        };
        ChainHeadDto: {
            /**
             * @description SHA-256 (hex) of the last event of the audit chain
             * @example 9f2c…e1
             */
            hash: string;
            /** @example 1842 */
            seq: number;
            /**
             * @description False when the chain up to this head does not verify
             * @example true
             */
            verified: boolean;
        };
        CompleteManualTaskDto: {
            /** @example 0 */
            anonymised: number;
            /** @example 4 */
            deleted: number;
            /** @example Shredded the paper files of the 4 customers */
            note?: string;
        };
        ComplianceGapDto: {
            /**
             * @example TRANSFER_WITHOUT_SAFEGUARD
             * @enum {string}
             */
            code: "FIELD_WITHOUT_ACTIVE_PURPOSE" | "UNREGISTERED_COLUMN" | "PURPOSE_WITHOUT_RETENTION" | "PURPOSE_WITHOUT_LEGAL_BASIS" | "LEGITIMATE_INTEREST_NOT_JUSTIFIED" | "CONSENT_WITHOUT_RECORDS" | "SPECIAL_CATEGORY_WITHOUT_CONDITION" | "TRANSFER_WITHOUT_SAFEGUARD" | "OVERDUE_DATA" | "SYSTEM_NEVER_SCANNED" | "ORGANISATION_NOT_DECLARED" | "DPO_CONTACT_MISSING" | "EU_REPRESENTATIVE_MISSING" | "PROCESSOR_AGREEMENT_MISSING" | "TRANSFER_WITHOUT_MECHANISM" | "PROCESSOR_AGREEMENT_REVIEW_OVERDUE" | "DECLARED_TRANSFERS_MISMATCH" | "FIELD_STRATEGY_NOT_APPLICABLE" | "ARCHIVE_PHASE_WITHOUT_LEGAL_REASON";
            /**
             * @example {
             *       "countries": [
             *         "US"
             *       ]
             *     }
             */
            details?: Record<string, never>;
            /**
             * @description API path of the object to fix
             * @example /purposes/marketing.newsletter
             */
            link: string;
            /** @example Purpose marketing.newsletter transfers data to US without a safeguard (art. 44–49) */
            message: string;
            object: components["schemas"]["GapObjectDto"];
            /**
             * @example high
             * @enum {string}
             */
            severity: "high" | "medium" | "low";
        };
        ConsentCurrentDto: {
            /**
             * Format: date-time
             * @example 2026-04-02T08:00:00.000Z
             */
            occurredAt: string;
            /** @example marketing.newsletter */
            purpose: string;
            /** @example 3 */
            purposeVersion: number;
            /** @example web-shop/preferences */
            source: string;
            /**
             * @example withdrawn
             * @enum {string}
             */
            status: "granted" | "withdrawn";
        };
        ConsentImportResultDto: {
            /** @example 1100 */
            granted: number;
            /** @example 1200 */
            imported: number;
            /**
             * Format: uuid
             * @description Stamped on every imported consent event
             * @example 1c3e5a7b-9d2f-4b6c-8e0a-4d6f8b0c2e4a
             */
            importId: string;
            /**
             * @description Non-blank lines read
             * @example 1200
             */
            lines: number;
            /** @example 100 */
            withdrawn: number;
        };
        ConsentRecordDto: {
            /**
             * Format: uuid
             * @example 7d9f1b3c-5e7a-4c9e-8b1d-3f5a7c9e1b2d
             */
            id: string;
            /**
             * Format: date-time
             * @example 2026-03-01T10:15:00.000Z
             */
            occurredAt: string;
            /**
             * @example {
             *       "formVersion": "2026-03",
             *       "text": "I want the monthly newsletter"
             *     }
             */
            proof: {
                [key: string]: unknown;
            };
            /** @example marketing.newsletter */
            purpose: string;
            /** @example 3 */
            purposeVersion: number;
            /**
             * Format: date-time
             * @example 2026-03-01T10:15:01.000Z
             */
            recordedAt: string;
            /**
             * @description Principal id that recorded it
             * @example b3c1…
             */
            recordedBy: string;
            /** @example web-shop/signup-form */
            source: string;
            /**
             * @example granted
             * @enum {string}
             */
            status: "granted" | "withdrawn";
            /** @example customer-42 */
            subjectId: string;
        };
        ConsoleSessionResponseDto: {
            /**
             * @description Send as X-CSRF-Token on every POST, PUT, PATCH and DELETE authenticated by the session cookie
             * @example q3V8m1cX0b2Zr4Q6Yx2Wv8Tt5Uu3Pp1EeJq0c3n5m2S
             */
            csrfToken: string;
            /**
             * @description When the session ends at the latest
             * @example 2026-12-04T22:00:00.000Z
             */
            expiresAt: string;
            /**
             * Format: uuid
             * @example 2d7f0c1e-8a4b-4e3f-9c6d-5b1a0e9f8c7d
             */
            id: string;
            /**
             * @description When the session ends unless a request comes first (idle timeout)
             * @example 2026-12-04T10:30:00.000Z
             */
            idleExpiresAt: string;
            /** @example 1800 */
            idleTimeoutSeconds: number;
            /**
             * @description Visible prefix of the key the session was opened with
             * @example fin_3kq9x2ab
             */
            keyPrefix: string;
            principal: components["schemas"]["SessionPrincipalDto"];
        };
        CreateApiKeyDto: {
            /**
             * Format: date-time
             * @description None by default
             * @example 2027-12-31T23:59:59Z
             */
            expiresAt?: string;
            /**
             * @description Free text to tell keys apart
             * @example CRM production
             */
            label?: string;
            /**
             * Format: uuid
             * @description Rotation: the key this one replaces. The old key then expires after KEY_ROTATION_GRACE_SECONDS.
             * @example 6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a
             */
            replaceKeyId?: string;
        };
        CreatedApiKeyResponseDto: {
            /**
             * Format: date-time
             * @example 2026-11-02T09:30:00.000Z
             */
            createdAt: string;
            /**
             * @description Principal id of the creator
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            createdBy: string;
            /**
             * Format: date-time
             * @example 2027-11-02T09:30:00.000Z
             */
            expiresAt: string | null;
            /**
             * Format: uuid
             * @example 6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a
             */
            id: string;
            /**
             * @description The API key. Shown ONCE: only its hash is kept.
             * @example fin_3kq9x2ab_Jq0c3n5m2S8cJ0kq7l1b9Zr4Q6Yx2Wv8Tt5Uu3Pp1Ee
             */
            key: string;
            /** @example CRM production */
            label: string | null;
            /**
             * Format: date-time
             * @description Updated at most about once a minute
             * @example 2026-11-03T14:00:00.000Z
             */
            lastUsedAt: string | null;
            /**
             * @description Visible, non-secret start of the key
             * @example fin_3kq9x2ab
             */
            prefix: string;
            /**
             * Format: uuid
             * @description Set on rotation
             * @example null
             */
            replacedByKeyId: string | null;
            /**
             * Format: date-time
             * @example null
             */
            revokedAt: string | null;
            /**
             * @example active
             * @enum {string}
             */
            status: "active" | "expired" | "revoked";
        };
        CreateDatasetDto: {
            /** @description Where the values of a purpose with an archive phase are moved (postgres and mysql systems; ADR 0052) */
            archive?: components["schemas"]["DatasetArchiveDto"] | null;
            /** @example One row per customer */
            description?: string | null;
            /**
             * @description `schema.table`
             * @example public.customers
             */
            name: string;
            /**
             * @description Primary key column(s)
             * @example [
             *       "id"
             *     ]
             */
            primaryKey: string[];
            /**
             * @description What a purge does with due rows other rows still reference: anonymise them (default), or purge the registered child datasets of the system first, then anonymise what is still referenced (ADR 0051)
             * @example purge_children_first
             * @enum {string}
             */
            referencedRows?: "anonymise" | "purge_children_first";
            /**
             * @description Column holding the data subject id (null: not tied to one subject)
             * @example id
             */
            subjectColumn?: string | null;
            /** @description Columns the retention triggers use */
            timestampColumns?: components["schemas"]["TimestampColumnsDto"];
        };
        CreatedPrincipalResponseDto: {
            /**
             * @description Purposes on which the application may also reach the intermediate archive (none by default)
             * @example []
             */
            archivePurposeCodes: string[];
            /**
             * Format: date-time
             * @example 2026-11-02T09:30:00.000Z
             */
            createdAt: string;
            /**
             * @description Principal id of the creator ("finalite" on bootstrap)
             * @example finalite
             */
            createdBy: string;
            /** @example false */
            disabled: boolean;
            /**
             * Format: uuid
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            id: string;
            /**
             * @description The first API key of the principal. Shown ONCE: only its hash is kept.
             * @example fin_3kq9x2ab_Jq0c3n5m2S8cJ0kq7l1b9Zr4Q6Yx2Wv8Tt5Uu3Pp1Ee
             */
            key: string;
            /**
             * Format: uuid
             * @example 6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a
             */
            keyId: string;
            /** @description Every key, newest first, revoked ones included */
            keys: components["schemas"]["ApiKeyResponseDto"][];
            /** @example Claire (DPO) */
            name: string;
            /**
             * @description Purposes an application may invoke (empty for other principals)
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposeCodes: string[];
            /**
             * @example [
             *       "dpo"
             *     ]
             */
            roles: ("admin" | "dpo" | "auditor" | "application")[];
            /**
             * Format: date-time
             * @example 2026-11-02T09:30:00.000Z
             */
            updatedAt: string;
            /** @example finalite */
            updatedBy: string;
        };
        CreateFieldDto: {
            /** @description What retention does to the value; null: the default of the data category */
            anonymisation?: components["schemas"]["AnonymisationDto"] | null;
            /**
             * @description Column name (the key becomes crm.customers.email)
             * @example email
             */
            column: string;
            /**
             * @example contact
             * @enum {string}
             */
            dataCategory: "identity" | "contact" | "location" | "financial" | "online_identifiers" | "behaviour" | "health" | "biometric" | "genetic" | "racial_ethnic_origin" | "political_opinions" | "religious_beliefs" | "trade_union" | "sex_life_orientation" | "criminal_convictions" | "other";
            /**
             * @description Dataset name (`schema.table`)
             * @example public.customers
             */
            dataset: string;
            /** @example Customer e-mail, used for order confirmations */
            description?: string | null;
            /**
             * @description Code of the system
             * @example crm
             */
            system: string;
        };
        CreatePrincipalDto: {
            /**
             * Format: date-time
             * @description Expiry of the first key (none by default)
             * @example 2027-12-31T23:59:59Z
             */
            keyExpiresAt?: string;
            /** @example Claire (DPO) */
            name: string;
            /**
             * @description Application principals only: the purposes it may invoke (they must exist)
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposeCodes?: string[];
            /**
             * @description One or more roles
             * @example [
             *       "dpo"
             *     ]
             */
            roles: ("admin" | "dpo" | "auditor" | "application")[];
        };
        CreateProcessorDto: {
            agreement?: components["schemas"]["ProcessorAgreementDto"] | null;
            /**
             * @description Stable slug (systems and purposes name it)
             * @example mailer
             */
            code: string;
            /** @example dpo@mailer.example */
            contact?: Record<string, never> | null;
            /**
             * @description Country of establishment (ISO 3166-1 alpha-2)
             * @example FR
             */
            country: string;
            /** @example Mailer SAS */
            name: string;
            processingLocations?: components["schemas"]["ProcessingLocationDto"][] | null;
            /** @example newsletter sending */
            service?: Record<string, never> | null;
            subProcessors?: components["schemas"]["SubProcessorDto"][] | null;
        };
        CreatePurposeDto: {
            /**
             * @description Stable unique slug
             * @example marketing.newsletter
             */
            code: string;
            controller?: components["schemas"]["PartyDto"] | null;
            /**
             * @description Categories of personal data processed
             * @example [
             *       "identity",
             *       "contact"
             *     ]
             */
            dataCategories?: string[] | null;
            /**
             * @example [
             *       "customers",
             *       "prospects"
             *     ]
             */
            dataSubjectCategories?: string[] | null;
            /** @example Send the monthly newsletter to subscribers. */
            description?: string | null;
            /**
             * @description Whether a DPIA (art. 35) is required
             * @example false
             */
            dpiaRequired?: boolean | null;
            internationalTransfers?: components["schemas"]["InternationalTransferDto"][] | null;
            jointControllers?: components["schemas"]["PartyDto"][] | null;
            /**
             * @description Art. 6(1) a–f
             * @example consent
             * @enum {string|null}
             */
            legalBasis?: "consent" | "contract" | "legal_obligation" | "vital_interests" | "public_task" | "legitimate_interests" | null;
            /**
             * @description Required when legalBasis is legitimate_interests
             * @example null
             */
            legitimateInterest?: string | null;
            /**
             * @description Cannot be cleared
             * @example Monthly newsletter
             */
            name?: string;
            /**
             * @description Code of the parent purpose (only while draft)
             * @example marketing
             */
            parentCode?: string | null;
            /**
             * @description Draft from a CNIL preset (GET /retention/presets): its retention is used when the request gives none (explicit values win), and the purpose records the preset (presetCode). Unknown: 400 PURPOSE_PRESET_UNKNOWN
             * @example cnil.prospects
             */
            presetCode?: string;
            processors?: components["schemas"]["ProcessorDto"][] | null;
            /**
             * @description Processors of the processor register (codes) the data is disclosed to; their transfers outside the EEA are derived
             * @example [
             *       "mailer"
             *     ]
             */
            recipientProcessors?: string[] | null;
            /**
             * @example [
             *       "marketing team",
             *       "e-mailing processor"
             *     ]
             */
            recipients?: string[] | null;
            retention?: components["schemas"]["RetentionDto"] | null;
            /**
             * @example [
             *       "encryption at rest",
             *       "role-based access"
             *     ]
             */
            securityMeasures?: string[] | null;
            /**
             * @description Art. 9(2) condition (or art. 10) allowing special-category data under this purpose
             * @example explicit_consent
             * @enum {string|null}
             */
            specialCategoryCondition?: "explicit_consent" | "employment_social_security" | "vital_interests" | "not_for_profit_body" | "made_public_by_subject" | "legal_claims" | "substantial_public_interest" | "health_or_social_care" | "public_health" | "archiving_research_statistics" | "official_authority_art10" | null;
        };
        CreateRestrictionDto: {
            /**
             * @description restriction (art. 18) or objection (art. 21)
             * @default restriction
             * @example restriction
             * @enum {string}
             */
            kind: "restriction" | "objection";
            /**
             * @description Purposes concerned (and their sub-purposes); omit for every purpose (DPO only: an application names purposes it is authorised for)
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposes?: string[];
            /** @example Accuracy contested by the subject (art. 18(1)(a)) */
            reason: string;
        };
        CreateRetentionRunDto: {
            /**
             * @description Only this dataset: its id, or its `schema.table` name (with `system` when ambiguous)
             * @example public.customers
             */
            dataset?: string;
            /**
             * @description Compute the counts and a sample of row keys; change nothing
             * @example true
             */
            dryRun: boolean;
            /**
             * @description Only this system (absent: every system)
             * @example crm
             */
            system?: string;
        };
        CreateSystemDto: {
            /**
             * @description Stable slug without dots (it starts every field key)
             * @example crm
             */
            code: string;
            /**
             * @description postgres (postgres://…) and mysql (mysql://user:password@host:port/database) systems only. Write-only: stored encrypted, never returned (see hasConnection)
             * @example postgres://finalite_ro:secret@crm-db.internal:5432/crm
             */
            connectionString?: string | null;
            /** @example Sales CRM: customers, contacts, opportunities */
            description?: string | null;
            /**
             * @description ISO 3166-1 alpha-2
             * @example FR
             */
            hostingCountry?: string | null;
            /** @example OVHcloud Roubaix */
            hostingLocation?: string | null;
            /**
             * @example postgres
             * @enum {string}
             */
            kind: "postgres" | "mysql" | "webhook" | "manual";
            /** @example Customer CRM */
            name: string;
            /** @example Sales operations (ops@acme.example) */
            owner?: string | null;
            /**
             * @description Code of the processor (art. 28) operating the system; absent or null: operated in-house
             * @example mailer
             */
            processorCode?: Record<string, never> | null;
            /**
             * @description Cron expression for the retention engine (default: daily)
             * @example 0 3 * * *
             */
            retentionSchedule?: string | null;
            /**
             * @description webhook systems only: HMAC signing secret. Write-only: stored encrypted, never returned
             * @example whsec_8f3a…
             */
            webhookSecret?: string | null;
            /**
             * @description webhook systems only: where erasure requests are POSTed
             * @example https://crm.internal/gdpr/erase
             */
            webhookUrl?: string | null;
        };
        DatasetArchiveDto: {
            /**
             * @description `schema.table` of the intermediate archive, in the same database (mysql: a database of the same server; docs/retention-archive.md gives its DDL)
             * @example archive.customers
             */
            table: string;
        };
        DatasetListDto: {
            items: components["schemas"]["DatasetResponseDto"][];
        };
        DatasetResponseDto: {
            /** @example null */
            archive: components["schemas"]["DatasetArchiveDto"] | null;
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            createdAt: string;
            /** @example One row per customer */
            description: string | null;
            /** @example 6 */
            fieldCount: number;
            /**
             * Format: uuid
             * @example 0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b
             */
            id: string;
            /** @example public.customers */
            name: string;
            /**
             * @example [
             *       "id"
             *     ]
             */
            primaryKey: string[];
            /**
             * @example anonymise
             * @enum {string}
             */
            referencedRows: "anonymise" | "purge_children_first";
            /** @example public */
            schema: string;
            /** @example id */
            subjectColumn: string | null;
            /** @example crm */
            systemCode: string;
            /** @example customers */
            table: string;
            /**
             * @example {
             *       "lastInteraction": "last_order_at"
             *     }
             */
            timestampColumns: components["schemas"]["TimestampColumnsResponseDto"];
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            updatedAt: string;
        };
        DatasetRuleDto: {
            /** @example public.customers */
            dataset: string;
            /** @example 6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f */
            datasetId: string;
            fields: components["schemas"]["FieldRuleDto"][];
            /** @example crm */
            system: string;
        };
        DecisionFieldDto: {
            /** @example false */
            allowed: boolean;
            /** @example crm.customers.email */
            field: string;
            /**
             * @description What the application had to do with the value
             * @example mask
             */
            obligation?: string;
            /**
             * @description ALLOWED, or the first rule that failed
             * @example CONSENT_WITHDRAWN
             */
            reason: string;
        };
        DecisionPurposeDto: {
            /** @example marketing.newsletter */
            code: string;
            /**
             * @description null when the purpose is unknown
             * @example 3
             */
            version: number | null;
        };
        DenialReasonCountDto: {
            /**
             * @description Refused fields (a decision refusing three fields counts three)
             * @example 30
             */
            count: number;
            /**
             * @example CONSENT_WITHDRAWN
             * @enum {string}
             */
            reason: "ALLOWED" | "PURPOSE_UNKNOWN" | "PURPOSE_NOT_ACTIVE" | "APPLICATION_NOT_AUTHORISED" | "FIELD_UNKNOWN" | "FIELD_NOT_BOUND_TO_PURPOSE" | "ACTION_NOT_ALLOWED" | "CONSENT_REQUIRED" | "CONSENT_MISSING" | "CONSENT_WITHDRAWN" | "SUBJECT_RESTRICTED" | "ARCHIVED" | "ARCHIVE_ACCESS_NOT_AUTHORISED" | "ARCHIVE_JUSTIFICATION_MISSING" | "ARCHIVE_SUBJECT_REQUIRED" | "NOT_ARCHIVED";
        };
        DenialSpikeDto: {
            /** @example crm-app */
            application: string;
            /** @example 40 */
            denials: number;
            /** @example 5 */
            previousDenials: number;
            /**
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposes: string[];
            /** @example 8 */
            ratio: number | null;
        };
        EffectiveRetentionDto: {
            /** @example P3Y */
            duration: string;
            /**
             * @description The active purpose with the longest retention; null for an application when it is not one of its purposes
             * @example sales.orders
             */
            purposeCode: string | null;
            /** @example last_interaction */
            trigger: string;
            /** @description The rule in words, as the art. 30 report words it */
            words: components["schemas"]["RetentionWordsDto"];
        };
        ErasureRequestListDto: {
            items: components["schemas"]["ErasureRequestResponseDto"][];
        };
        ErasureRequestResponseDto: {
            /**
             * Format: date-time
             * @example 2026-05-10T09:04:12.000Z
             */
            completedAt: string | null;
            /** @description Per dataset: what was erased, and what was kept with the reason (legal obligation, legal hold) */
            datasets: components["schemas"]["RetentionRunDatasetDto"][];
            /**
             * Format: uuid
             * @example 9a1e4c1b-5d3f-4b7e-8a2c-1f0e9d8c7b6a
             */
            id: string;
            /** @example ticket 8812 */
            reason: string | null;
            /**
             * Format: date-time
             * @example 2026-05-10T09:00:00.000Z
             */
            requestedAt: string;
            requestedBy: components["schemas"]["ActorDto"];
            /**
             * Format: uuid
             * @description The retention run (kind erasure) carrying it out
             * @example 2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d
             */
            runId: string;
            /**
             * @description The status of the run carrying out the request
             * @example completed
             * @enum {string}
             */
            status: "queued" | "running" | "waiting" | "completed" | "failed" | "cancelled";
            /** @example cust-4711 */
            subjectId: string;
        };
        ErrorBodyDto: {
            /**
             * @description Structured context, e.g. one entry per invalid property
             * @example [
             *       {
             *         "property": "legalBasis",
             *         "constraints": [
             *           "legalBasis must be one of: consent, contract, …"
             *         ]
             *       }
             *     ]
             */
            details?: Record<string, never>;
            /**
             * @description Stable machine-readable code
             * @example PURPOSE_NOT_FOUND
             */
            error: string;
            /** @example No purpose with code "marketing.newsletter" */
            message: string;
            /** @example 404 */
            statusCode: number;
        };
        FieldBindingDto: {
            /**
             * @example [
             *       "read"
             *     ]
             */
            actions: ("read" | "write" | "export" | "share" | "profile")[];
            /** @description Overrides the field strategy when this purpose is the last to expire */
            anonymisation?: components["schemas"]["AnonymisationDto"] | null;
            /**
             * @description Sub-purposes of this purpose may use the field too
             * @default false
             * @example false
             */
            appliesToSubPurposes: boolean;
            /**
             * @example mask
             * @enum {string|null}
             */
            obligation?: "mask" | "pseudonymise" | "aggregate_only" | null;
            /**
             * @description Purpose code
             * @example marketing.newsletter
             */
            purpose: string;
        };
        FieldBindingResponseDto: {
            /**
             * @example [
             *       "read"
             *     ]
             */
            actions: ("read" | "write" | "export" | "share" | "profile")[];
            /** @example null */
            anonymisation: components["schemas"]["AnonymisationResponseDto"] | null;
            /** @example false */
            appliesToSubPurposes: boolean;
            /**
             * @example null
             * @enum {string|null}
             */
            obligation: "mask" | "pseudonymise" | "aggregate_only" | null;
            /** @example marketing.newsletter */
            purposeCode: string;
            /**
             * @example active
             * @enum {string}
             */
            purposeStatus: "draft" | "active" | "retired";
        };
        FieldDecisionDto: {
            /** @example true */
            allowed: boolean;
            /** @example crm.customers.email */
            field: string;
            /**
             * @description What the application must do with an allowed value
             * @example mask
             * @enum {string}
             */
            obligation?: "mask" | "pseudonymise" | "aggregate_only";
            /**
             * @description ALLOWED, or the first rule that failed (docs/access-check.md)
             * @example ALLOWED
             * @enum {string}
             */
            reason: "ALLOWED" | "PURPOSE_UNKNOWN" | "PURPOSE_NOT_ACTIVE" | "APPLICATION_NOT_AUTHORISED" | "FIELD_UNKNOWN" | "FIELD_NOT_BOUND_TO_PURPOSE" | "ACTION_NOT_ALLOWED" | "CONSENT_REQUIRED" | "CONSENT_MISSING" | "CONSENT_WITHDRAWN" | "SUBJECT_RESTRICTED" | "ARCHIVED" | "ARCHIVE_ACCESS_NOT_AUTHORISED" | "ARCHIVE_JUSTIFICATION_MISSING" | "ARCHIVE_SUBJECT_REQUIRED" | "NOT_ARCHIVED";
        };
        FieldExplanationDto: {
            /** @example true */
            allowed: boolean;
            /** @example crm.customers.email */
            field: string;
            /**
             * @description What the application must do with an allowed value
             * @example mask
             * @enum {string}
             */
            obligation?: "mask" | "pseudonymise" | "aggregate_only";
            /**
             * @description ALLOWED, or the first rule that failed (docs/access-check.md)
             * @example ALLOWED
             * @enum {string}
             */
            reason: "ALLOWED" | "PURPOSE_UNKNOWN" | "PURPOSE_NOT_ACTIVE" | "APPLICATION_NOT_AUTHORISED" | "FIELD_UNKNOWN" | "FIELD_NOT_BOUND_TO_PURPOSE" | "ACTION_NOT_ALLOWED" | "CONSENT_REQUIRED" | "CONSENT_MISSING" | "CONSENT_WITHDRAWN" | "SUBJECT_RESTRICTED" | "ARCHIVED" | "ARCHIVE_ACCESS_NOT_AUTHORISED" | "ARCHIVE_JUSTIFICATION_MISSING" | "ARCHIVE_SUBJECT_REQUIRED" | "NOT_ARCHIVED";
            /** @description Every rule evaluated, in order, up to the answer */
            trail: components["schemas"]["TrailStepDto"][];
        };
        FieldRuleDto: {
            /**
             * @example {
             *       "strategy": "hash"
             *     }
             */
            anonymisation: Record<string, never>;
            /** @example email */
            column: string;
            /** @example crm.customers.email */
            key: string;
            /** @example email: replaced by a keyed hash (the row is deleted once all its fields are due) once 3 years have passed since last_interaction and since the subject's latest contact recorded in Finalité (consent to marketing.newsletter granted or renewed, or an interaction recorded for the subject) (marketing.newsletter) or consent for marketing.newsletter is withdrawn */
            rule: string;
            /**
             * @example bound
             * @enum {string}
             */
            state: "bound" | "no_active_purpose" | "not_in_use" | "unbound";
        };
        GapObjectDto: {
            /** @example marketing.newsletter */
            id: string;
            /**
             * @example purpose
             * @enum {string}
             */
            type: "purpose" | "field" | "system" | "dataset" | "organisation";
        };
        GapsReportDto: {
            /** @description Audit chain head at generation time */
            auditChainHead: components["schemas"]["ChainHeadDto"] | null;
            gaps: components["schemas"]["ComplianceGapDto"][];
            /** @example 2026-11-23T08:00:00.000Z */
            generatedAt: string;
            /**
             * @example en
             * @enum {string}
             */
            lang: "en" | "fr";
            /** @description null for ropa and integrity */
            period: components["schemas"]["ReportPeriodDto"] | null;
            /**
             * @example ropa
             * @enum {string}
             */
            report: "ropa" | "gaps" | "access" | "retention" | "integrity";
            /** @description Written after the list (counted while streaming) */
            summary: components["schemas"]["GapSummaryDto"];
            /** @example Record of processing activities */
            title: string;
            /**
             * @description Gap kinds that could not be checked (their data source is not installed)
             * @example []
             */
            unavailableChecks: string[];
        };
        GapSummaryDto: {
            /**
             * @example {
             *       "TRANSFER_WITHOUT_SAFEGUARD": 1
             *     }
             */
            byCode: Record<string, never>;
            /**
             * @example {
             *       "high": 2,
             *       "medium": 1,
             *       "low": 0
             *     }
             */
            bySeverity: Record<string, never>;
            /** @example 3 */
            total: number;
        };
        ImportInteractionRowDto: {
            /**
             * @description What the subject did: a lowercase word such as purchase, reply, sign_in, form, call, link_click
             * @example purchase
             */
            kind: string;
            /**
             * @description When the subject made contact; defaults to now (not in the future)
             * @example 2026-03-01T10:15:00Z
             */
            occurredAt?: string;
            /**
             * @description Which application saw it
             * @example web-shop/checkout
             */
            source: string;
            /** @example customer-42 */
            subjectId: string;
        };
        ImportInteractionsDto: {
            /** @description 1 to 1000 contacts, all recorded or none */
            interactions: components["schemas"]["ImportInteractionRowDto"][];
        };
        IntegrityReportDto: {
            /** @description Audit chain head at generation time */
            auditChainHead: components["schemas"]["ChainHeadDto"] | null;
            /**
             * @example {
             *       "seq": 1800,
             *       "hash": "51ab…",
             *       "signature": "base64…",
             *       "algorithm": "Ed25519",
             *       "signedMessage": "…",
             *       "publicKeyPem": "-----BEGIN PUBLIC KEY-----…"
             *     }
             */
            checkpoint: Record<string, never> | null;
            /** @example docs/audit.md */
            documentation: string;
            /** @example 2026-11-23T08:00:00.000Z */
            generatedAt: string;
            /**
             * @example [
             *       "Export the trail and recompute each hash…"
             *     ]
             */
            howToVerify: string[];
            /**
             * @example en
             * @enum {string}
             */
            lang: "en" | "fr";
            /** @description null for ropa and integrity */
            period: components["schemas"]["ReportPeriodDto"] | null;
            /**
             * @example ropa
             * @enum {string}
             */
            report: "ropa" | "gaps" | "access" | "retention" | "integrity";
            /** @example Record of processing activities */
            title: string;
            /**
             * @example {
             *       "valid": true,
             *       "checkedEvents": 1842,
             *       "fromSeq": 1,
             *       "toSeq": 1842,
             *       "head": {
             *         "seq": 1842,
             *         "hash": "9f2c…"
             *       }
             *     }
             */
            verification: Record<string, never>;
        };
        InteractionImportResultDto: {
            /** @example 250 */
            imported: number;
            /**
             * Format: uuid
             * @example 1c3e5a7b-9d2f-4b6c-8e0a-4d6f8b0c2e4a
             */
            importId: string;
        };
        InteractionRecordDto: {
            /**
             * Format: uuid
             * @example 7d9f1b3c-5e7a-4c9e-8b1d-3f5a7c9e1b2d
             */
            id: string;
            /** @example purchase */
            kind: string;
            /**
             * Format: date-time
             * @example 2026-03-01T10:15:00.000Z
             */
            occurredAt: string;
            /**
             * Format: date-time
             * @example 2026-03-01T10:15:01.000Z
             */
            recordedAt: string;
            /** @example web-shop/checkout */
            source: string;
            /** @example customer-42 */
            subjectId: string;
        };
        InternationalTransferDto: {
            /**
             * @description ISO 3166-1 alpha-2 code of the destination
             * @example US
             */
            country: string;
            /** @example Mailer Inc. */
            recipient?: string;
            /**
             * @description Art. 44–49 safeguard; a transfer without one is reported as a compliance gap
             * @example standard contractual clauses (2021/914)
             */
            safeguard?: string;
        };
        LegalHoldListDto: {
            items: components["schemas"]["LegalHoldResponseDto"][];
        };
        LegalHoldResponseDto: {
            /** @example null */
            datasetId: string | null;
            /**
             * Format: date-time
             * @example 2027-12-31T00:00:00.000Z
             */
            endsAt: string | null;
            /**
             * Format: uuid
             * @example 0b6f3f2e-5a0e-4c55-9d55-2b1f8f7c9a10
             */
            id: string;
            /**
             * @description Not lifted and not ended
             * @example true
             */
            inForce: boolean;
            /**
             * Format: date-time
             * @example null
             */
            liftedAt: string | null;
            liftedBy: components["schemas"]["ActorDto"] | null;
            /**
             * Format: date-time
             * @example 2026-05-10T09:00:00.000Z
             */
            placedAt: string;
            placedBy: components["schemas"]["ActorDto"];
            /** @example Litigation 2026-CV-118: preserve until judgment */
            reason: string;
            /**
             * @example subject
             * @enum {string}
             */
            scope: "subject" | "dataset" | "system";
            /** @example cust-4711 */
            subjectId: string | null;
            /** @example null */
            systemCode: string | null;
        };
        LiftRestrictionDto: {
            /** @example Accuracy verified and corrected */
            reason: string;
        };
        LocalisedTextDto: {
            /** @example Prospects */
            en: string;
            /** @example Prospects */
            fr: string;
        };
        ManualTaskListDto: {
            items: components["schemas"]["ManualTaskResponseDto"][];
        };
        ManualTaskResponseDto: {
            /** @example null */
            anonymised: number | null;
            /**
             * Format: date-time
             * @example null
             */
            completedAt: string | null;
            completedBy: components["schemas"]["ActorDto"] | null;
            /**
             * Format: date-time
             * @example 2026-05-10T03:00:05.000Z
             */
            createdAt: string;
            /** @example public.paper_files */
            dataset: string;
            /** @example null */
            deleted: number | null;
            /**
             * @description Subjects under a legal hold: leave their records untouched
             * @example [
             *       "cust-0815"
             *     ]
             */
            excludeSubjectIds: string[];
            /**
             * Format: uuid
             * @example 8e0c2a4f-6b1d-4e3a-9c5f-7a9b1d3e5f70
             */
            id: string;
            /** @example Purge in archives / public.paper_files: … */
            instructions: string;
            /** @example null */
            note: string | null;
            /**
             * Format: uuid
             * @example 2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d
             */
            runId: string;
            /**
             * @example open
             * @enum {string}
             */
            status: "open" | "done" | "cancelled";
            /**
             * @description Erasure / consent withdrawal: only the records of these subjects (held subjects left out)
             * @example [
             *       "cust-4711"
             *     ]
             */
            subjectIds: string[] | null;
            /** @example archives */
            system: string;
        };
        MeResponseDto: {
            /**
             * Format: uuid
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            id: string;
            /**
             * Format: uuid
             * @example 6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a
             */
            keyId: string;
            /** @example fin_3kq9x2ab */
            keyPrefix: string;
            /** @example CRM */
            name: string;
            /**
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposeCodes: string[];
            /**
             * @example [
             *       "application"
             *     ]
             */
            roles: ("admin" | "dpo" | "auditor" | "application")[];
        };
        MissingColumnDto: {
            /** @example fax */
            column: string;
            /** @example public.customers */
            dataset: string;
            /** @example crm.customers.fax */
            key: string;
        };
        OrganisationPartyDto: {
            /** @example dpo@acme.example, +33 1 23 45 67 89 */
            contact: string;
            /** @example Claire Martin */
            name: string;
        };
        OrganisationPartyResponseDto: {
            /** @example dpo@acme.example */
            contact: string;
            /** @example Claire Martin */
            name: string;
        };
        OrganisationResponseDto: {
            /**
             * @example 12 rue de la Paix
             *     75002 Paris
             *     France
             */
            address: string;
            /** @example privacy@acme.example */
            contact: string;
            dpo: components["schemas"]["OrganisationPartyResponseDto"] | null;
            /** @example true */
            establishedInEu: boolean;
            /** @example ACME SAS */
            name: string;
            representative: components["schemas"]["OrganisationPartyResponseDto"] | null;
            /**
             * Format: date-time
             * @example 2026-11-30T09:00:00.000Z
             */
            updatedAt: string;
            updatedBy: components["schemas"]["ActorDto"];
            /**
             * @description Incremented by each change; send it back as If-Match
             * @example 1
             */
            version: number;
        };
        OverdueDatasetDto: {
            /** @example public.customers */
            dataset: string;
            /** @example 6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f */
            datasetId: string;
            /**
             * @description Rows due now (not held)
             * @example 3100
             */
            dueRows: number | null;
            /** @example null */
            error: string | null;
            /**
             * @example postgres
             * @enum {string}
             */
            executor: "postgres" | "mysql" | "webhook" | "manual";
            /** @example 7 */
            heldRows: number | null;
            /**
             * @description false: the system is not reachable by Finalité (webhook, manual)
             * @example true
             */
            measurable: boolean;
            /**
             * Format: date-time
             * @description Due since (oldest)
             * @example 2025-11-02T10:00:00.000Z
             */
            oldestDueSince: string | null;
            /**
             * @description Days the oldest due row is overdue
             * @example 189
             */
            overdueDays: number | null;
            /** @example crm */
            system: string;
            /** @example 3 */
            undatedRows: number | null;
        };
        OverdueResponseDto: {
            /**
             * Format: date-time
             * @example 2026-05-10T09:00:00.000Z
             */
            computedAt: string;
            items: components["schemas"]["OverdueDatasetDto"][];
        };
        PartyDto: {
            /** @example dpo@acme.example */
            contact?: string;
            /** @example ACME SAS */
            name: string;
        };
        PersonalFieldListDto: {
            items: components["schemas"]["PersonalFieldResponseDto"][];
        };
        PersonalFieldPageDto: {
            items: components["schemas"]["PersonalFieldResponseDto"][];
            /**
             * @description Pass as `cursor` to get the next page; null on the last page
             * @example WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ
             */
            nextCursor: string | null;
        };
        PersonalFieldResponseDto: {
            /** @description Effective strategy (declared or default) */
            anonymisation: components["schemas"]["AnonymisationResponseDto"];
            /**
             * @description The strategy is the default of the data category
             * @example true
             */
            anonymisationIsDefault: boolean;
            bindings: components["schemas"]["FieldBindingResponseDto"][];
            /** @example email */
            column: string;
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            createdAt: string;
            /**
             * @example contact
             * @enum {string}
             */
            dataCategory: "identity" | "contact" | "location" | "financial" | "online_identifiers" | "behaviour" | "health" | "biometric" | "genetic" | "racial_ethnic_origin" | "political_opinions" | "religious_beliefs" | "trade_union" | "sex_life_orientation" | "criminal_convictions" | "other";
            /** @example public.customers */
            dataset: string;
            /** @example Customer e-mail */
            description: string | null;
            /** @description Longest retention among the active bound purposes; null when none is active */
            effectiveRetention: components["schemas"]["EffectiveRetentionDto"] | null;
            /** @example [] */
            flags: ("unbound" | "only_retired_purposes" | "special_category_without_condition" | "not_null_column_on_nullify")[];
            /**
             * Format: uuid
             * @example 5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d
             */
            id: string;
            /** @example crm.customers.email */
            key: string;
            /**
             * @description Codes of the bound purposes
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposeCodes: string[];
            /**
             * @description Special category (art. 9) or criminal data (art. 10)
             * @example false
             */
            special: boolean;
            /** @example crm */
            systemCode: string;
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            updatedAt: string;
        };
        PlaceLegalHoldDto: {
            /**
             * @description scope=dataset: the registered dataset id
             * @example 6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f
             */
            datasetId?: string;
            /**
             * Format: date-time
             * @description The hold ends by itself at this time (absent: until lifted)
             * @example 2027-12-31T00:00:00Z
             */
            endsAt?: string;
            /** @example Litigation 2026-CV-118: preserve until judgment */
            reason: string;
            /**
             * @description What the hold covers
             * @example subject
             * @enum {string}
             */
            scope: "subject" | "dataset" | "system";
            /**
             * @description scope=subject: the data subject id
             * @example cust-4711
             */
            subjectId?: string;
            /**
             * @description scope=system: the registered system code
             * @example crm
             */
            systemCode?: string;
        };
        PostureAccessDto: {
            /**
             * @example {
             *       "allow": 1150,
             *       "deny": 50
             *     }
             */
            byOutcome: Record<string, never>;
            /** @description Decisions per UTC day and outcome (days without decisions are absent) */
            perDay: components["schemas"]["PostureDailyDecisionsDto"][];
            /** @description Applications denied far more than in the previous period of equal length */
            spikes: components["schemas"]["PostureDenialSpikeDto"][];
            /** @description The most frequent reasons, at most 10 */
            topDenialReasons: components["schemas"]["DenialReasonCountDto"][];
            /** @example 1200 */
            total: number;
        };
        PostureAuditChainDto: {
            /** @description null: the trail is empty */
            head: components["schemas"]["PostureChainHeadDto"] | null;
            /** @description null: none signed yet */
            lastCheckpoint: components["schemas"]["PostureCheckpointDto"] | null;
        };
        PostureChainHeadDto: {
            /**
             * @description SHA-256 (hex) of the last event
             * @example 9f2c4b…e1
             */
            hash: string;
            /** @example 1842 */
            seq: number;
            /**
             * @description Whether the events since the latest signed checkpoint verify up to this head
             * @example true
             */
            verified: boolean;
        };
        PostureCheckpointDto: {
            /**
             * @description Seconds since it was signed
             * @example 3600
             */
            ageSeconds: number;
            /** @example 1800 */
            seq: number;
            /** @example 2026-12-05T06:00:00.000Z */
            signedAt: string;
        };
        PostureDailyDecisionsDto: {
            /** @example 12 */
            count: number;
            /**
             * @description UTC day
             * @example 2026-12-04
             */
            day: string;
            /**
             * @example deny
             * @enum {string}
             */
            outcome: "allow" | "deny" | "partial";
        };
        PostureDenialSpikeDto: {
            /** @example crm-app */
            application: string;
            /**
             * Format: uuid
             * @example 3f0c2b1e-8d4b-4f7e-9a51-3c2d1b0a9e8f
             */
            applicationId: string;
            /** @example 40 */
            denials: number;
            /** @example 5 */
            previousDenials: number;
            /**
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposes: string[];
            /** @example 8 */
            ratio: number | null;
        };
        PostureGapExampleDto: {
            /**
             * @description API path of the object to fix
             * @example /purposes/marketing.newsletter
             */
            link: string;
            /** @example Purpose marketing.newsletter has no retention rule */
            message: string;
            object: components["schemas"]["GapObjectDto"];
        };
        PostureGapKindDto: {
            /**
             * @example TRANSFER_WITHOUT_SAFEGUARD
             * @enum {string}
             */
            code: "FIELD_WITHOUT_ACTIVE_PURPOSE" | "UNREGISTERED_COLUMN" | "PURPOSE_WITHOUT_RETENTION" | "PURPOSE_WITHOUT_LEGAL_BASIS" | "LEGITIMATE_INTEREST_NOT_JUSTIFIED" | "CONSENT_WITHOUT_RECORDS" | "SPECIAL_CATEGORY_WITHOUT_CONDITION" | "TRANSFER_WITHOUT_SAFEGUARD" | "OVERDUE_DATA" | "SYSTEM_NEVER_SCANNED" | "ORGANISATION_NOT_DECLARED" | "DPO_CONTACT_MISSING" | "EU_REPRESENTATIVE_MISSING" | "PROCESSOR_AGREEMENT_MISSING" | "TRANSFER_WITHOUT_MECHANISM" | "PROCESSOR_AGREEMENT_REVIEW_OVERDUE" | "DECLARED_TRANSFERS_MISMATCH" | "FIELD_STRATEGY_NOT_APPLICABLE" | "ARCHIVE_PHASE_WITHOUT_LEGAL_REASON";
            /** @example 3 */
            count: number;
            /** @description The first few gaps of this kind (at most 5) */
            examples: components["schemas"]["PostureGapExampleDto"][];
            /**
             * @example high
             * @enum {string}
             */
            severity: "high" | "medium" | "low";
        };
        PostureGapsDto: {
            /**
             * @example {
             *       "high": 2,
             *       "medium": 1,
             *       "low": 1
             *     }
             */
            bySeverity: Record<string, never>;
            /** @description Kinds with at least one gap, most severe first */
            kinds: components["schemas"]["PostureGapKindDto"][];
            /** @example 4 */
            total: number;
            /**
             * @description Gap kinds that could not be checked (their data source is not installed)
             * @example []
             */
            unavailableChecks: string[];
        };
        PostureResponseDto: {
            /** @description null: access module absent */
            access: components["schemas"]["PostureAccessDto"] | null;
            /** @description null: audit verification absent */
            auditChain: components["schemas"]["PostureAuditChainDto"] | null;
            gaps: components["schemas"]["PostureGapsDto"];
            /** @example 2026-12-05T07:00:00.000Z */
            generatedAt: string;
            period: components["schemas"]["ReportPeriodDto"];
        };
        PresetArchiveDto: {
            /** @example P5Y */
            duration: string;
            /**
             * @example {
             *       "fr": "Prescription de droit commun (art. 2224 du Code civil)",
             *       "en": "Limitation period (art. 2224 of the French Civil Code)"
             *     }
             */
            legalReason: components["schemas"]["LocalisedTextDto"];
        };
        PresetRetentionDto: {
            /** @example P3Y */
            duration: string;
            /**
             * @example last_interaction
             * @enum {string}
             */
            trigger: "collection" | "last_interaction" | "contract_end";
        };
        PresetSourceDto: {
            /** @example Annexe, durées de conservation (prospects) */
            article: string | null;
            /**
             * @description Date of the text (YYYY-MM-DD)
             * @example 2021-09-23
             */
            date: string;
            /** @example CNIL, référentiel gestion des activités commerciales (délibération n° 2021-131) */
            text: string;
            /** @example https://www.cnil.fr/fr/referentiel-gestion-commerciale */
            url: string | null;
        };
        PrincipalPageDto: {
            items: components["schemas"]["PrincipalResponseDto"][];
            /**
             * @description Pass as `cursor` to get the next page; null on the last page
             * @example WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ
             */
            nextCursor: string | null;
        };
        PrincipalResponseDto: {
            /**
             * @description Purposes on which the application may also reach the intermediate archive (none by default)
             * @example []
             */
            archivePurposeCodes: string[];
            /**
             * Format: date-time
             * @example 2026-11-02T09:30:00.000Z
             */
            createdAt: string;
            /**
             * @description Principal id of the creator ("finalite" on bootstrap)
             * @example finalite
             */
            createdBy: string;
            /** @example false */
            disabled: boolean;
            /**
             * Format: uuid
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            id: string;
            /** @description Every key, newest first, revoked ones included */
            keys: components["schemas"]["ApiKeyResponseDto"][];
            /** @example Claire (DPO) */
            name: string;
            /**
             * @description Purposes an application may invoke (empty for other principals)
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposeCodes: string[];
            /**
             * @example [
             *       "dpo"
             *     ]
             */
            roles: ("admin" | "dpo" | "auditor" | "application")[];
            /**
             * Format: date-time
             * @example 2026-11-02T09:30:00.000Z
             */
            updatedAt: string;
            /** @example finalite */
            updatedBy: string;
        };
        ProcessingLocationDto: {
            /**
             * @description ISO 3166-1 alpha-2 code of a country where data is processed
             * @example US
             */
            country: string;
            /**
             * @description Outside the EEA only (art. 45–49). Absent for a country with a full adequacy decision: that decision applies
             * @example standard_contractual_clauses
             * @enum {string|null}
             */
            mechanism?: "adequacy_decision" | "standard_contractual_clauses" | "binding_corporate_rules" | "art49_derogation" | null;
            /**
             * @description Required with any mechanism but an adequacy decision (filled from the decision list then)
             * @example SCC 2021/914, module 2, signed 2025-01-15
             */
            reference?: Record<string, never> | null;
        };
        ProcessingLocationResponseDto: {
            /** @example US */
            country: string;
            /**
             * @example standard_contractual_clauses
             * @enum {string|null}
             */
            mechanism?: "adequacy_decision" | "standard_contractual_clauses" | "binding_corporate_rules" | "art49_derogation" | null;
            /** @example SCC 2021/914 */
            reference?: string | null;
        };
        ProcessorAgreementDto: {
            /** @example DPA-2025-017 */
            reference?: Record<string, never> | null;
            /**
             * @description Date by which to review it
             * @example 2027-01-15
             */
            reviewOn?: Record<string, never> | null;
            /**
             * @description Date the data-processing agreement (art. 28(3)) was signed; absent: not signed
             * @example 2025-01-15
             */
            signedOn?: Record<string, never> | null;
        };
        ProcessorAgreementResponseDto: {
            /** @example DPA-2025-017 */
            reference?: string | null;
            /** @example 2027-01-15 */
            reviewOn?: string | null;
            /** @example 2025-01-15 */
            signedOn?: string | null;
        };
        ProcessorDeclarationDto: {
            agreement?: components["schemas"]["ProcessorAgreementDto"] | null;
            /** @example dpo@mailer.example */
            contact?: Record<string, never> | null;
            /**
             * @description Country of establishment (ISO 3166-1 alpha-2)
             * @example FR
             */
            country: string;
            /** @example Mailer SAS */
            name: string;
            processingLocations?: components["schemas"]["ProcessingLocationDto"][] | null;
            /** @example newsletter sending */
            service?: Record<string, never> | null;
            subProcessors?: components["schemas"]["SubProcessorDto"][] | null;
        };
        ProcessorDto: {
            /** @example dpo@acme.example */
            contact?: string;
            /**
             * @description ISO 3166-1 alpha-2
             * @example IE
             */
            country?: string;
            /** @example ACME SAS */
            name: string;
            /** @example newsletter sending */
            service?: string;
        };
        ProcessorHistoryDto: {
            /** @example mailer */
            code: string;
            versions: components["schemas"]["ProcessorVersionDto"][];
        };
        ProcessorListDto: {
            items: components["schemas"]["ProcessorResponseDto"][];
        };
        ProcessorResponseDto: {
            agreement: components["schemas"]["ProcessorAgreementResponseDto"] | null;
            /** @example mailer */
            code: string;
            /** @example dpo@mailer.example */
            contact: string | null;
            /** @example FR */
            country: string;
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            createdAt: string;
            /** @example Mailer SAS */
            name: string;
            processingLocations: components["schemas"]["ProcessingLocationResponseDto"][];
            /** @example newsletter sending */
            service: string | null;
            subProcessors: components["schemas"]["SubProcessorResponseDto"][];
            /** @description Derived: every transfer outside the EEA it makes, with the mechanism covering it */
            transfers: components["schemas"]["ProcessorTransferDto"][];
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            updatedAt: string;
            /**
             * @description Incremented by each change; send it back as If-Match
             * @example 1
             */
            version: number;
        };
        ProcessorTransferDto: {
            /** @example US */
            country: string;
            /**
             * @description null: no mechanism covers this transfer (a compliance gap)
             * @example standard_contractual_clauses
             * @enum {string|null}
             */
            mechanism: "adequacy_decision" | "standard_contractual_clauses" | "binding_corporate_rules" | "art49_derogation" | null;
            /** @example mailer */
            processor: string;
            /** @example SCC 2021/914, module 3 */
            reference: string | null;
            /** @example Cloud Hosting Inc. */
            subProcessor: string | null;
        };
        ProcessorVersionDto: {
            actor: components["schemas"]["ActorDto"];
            /**
             * @example updated
             * @enum {string}
             */
            change: "created" | "updated" | "deleted";
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            changedAt: string;
            /**
             * @example [
             *       "agreement"
             *     ]
             */
            changedFields: string[];
            /** @example c5b1f6de-7a2e-4f0b-9d3c-8e1a2b3c4d5e */
            requestId: string | null;
            /**
             * @description The processor as declared in this version
             * @example {
             *       "code": "mailer",
             *       "name": "Mailer SAS",
             *       "country": "FR",
             *       "agreement": {
             *         "signedOn": "2025-01-15"
             *       }
             *     }
             */
            snapshot: Record<string, never>;
            /** @example 2 */
            version: number;
        };
        PurposeHistoryDto: {
            /** @example marketing.newsletter */
            code: string;
            versions: components["schemas"]["PurposeVersionResponseDto"][];
        };
        PurposePageDto: {
            items: components["schemas"]["PurposeResponseDto"][];
            /**
             * @description Pass as `cursor` to get the next page; null on the last page
             * @example WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ
             */
            nextCursor: string | null;
        };
        PurposeResponseDto: {
            /**
             * Format: date-time
             * @example 2025-02-03T10:15:00.000Z
             */
            activatedAt: string | null;
            /** @example marketing.newsletter */
            code: string;
            controller: components["schemas"]["PartyDto"] | null;
            /**
             * Format: date-time
             * @example 2025-01-20T08:30:00.000Z
             */
            createdAt: string;
            /**
             * @description Principal id of the creator
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            createdBy: string;
            /**
             * @example [
             *       "identity",
             *       "contact"
             *     ]
             */
            dataCategories: string[] | null;
            /**
             * @example [
             *       "customers",
             *       "prospects"
             *     ]
             */
            dataSubjectCategories: string[] | null;
            /** @example Send the monthly newsletter to subscribers. */
            description: string | null;
            /** @example false */
            dpiaRequired: boolean | null;
            /**
             * Format: uuid
             * @example 3f0c5a2e-8d1b-4c7a-9e44-0b6c2f1d9a17
             */
            id: string;
            /**
             * @description Properties taken from an ancestor purpose, with that ancestor’s code
             * @example {
             *       "controller": "marketing",
             *       "retention": "marketing"
             *     }
             */
            inheritedFrom: {
                [key: string]: string;
            };
            internationalTransfers: components["schemas"]["InternationalTransferDto"][] | null;
            jointControllers: components["schemas"]["PartyDto"][] | null;
            /**
             * @example consent
             * @enum {string|null}
             */
            legalBasis: "consent" | "contract" | "legal_obligation" | "vital_interests" | "public_task" | "legitimate_interests" | null;
            /**
             * @description Set when legalBasis is legitimate_interests
             * @example null
             */
            legitimateInterest: string | null;
            /** @example Monthly newsletter */
            name: string;
            /** @example marketing */
            parentCode: string | null;
            /**
             * @description The CNIL preset the purpose was drafted from (GET /retention/presets), null if none
             * @example cnil.prospects
             */
            presetCode: string | null;
            processors: components["schemas"]["ProcessorDto"][] | null;
            /**
             * @description Processor codes
             * @example [
             *       "mailer"
             *     ]
             */
            recipientProcessors: string[] | null;
            /**
             * @example [
             *       "marketing team",
             *       "e-mailing processor"
             *     ]
             */
            recipients: string[] | null;
            retention: components["schemas"]["RetentionDto"] | null;
            /**
             * Format: date-time
             * @example null
             */
            retiredAt: string | null;
            /**
             * @example [
             *       "encryption at rest",
             *       "role-based access"
             *     ]
             */
            securityMeasures: string[] | null;
            /**
             * @example null
             * @enum {string|null}
             */
            specialCategoryCondition: "explicit_consent" | "employment_social_security" | "vital_interests" | "not_for_profit_body" | "made_public_by_subject" | "legal_claims" | "substantial_public_interest" | "health_or_social_care" | "public_health" | "archiving_research_statistics" | "official_authority_art10" | null;
            /**
             * @example active
             * @enum {string}
             */
            status: "draft" | "active" | "retired";
            /**
             * Format: date-time
             * @example 2025-03-14T09:26:53.589Z
             */
            updatedAt: string;
            /**
             * @description Principal id of the last editor
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            updatedBy: string;
            /**
             * @description Incremented by every change; send it in If-Match to update safely
             * @example 3
             */
            version: number;
        };
        PurposeVersionResponseDto: {
            actor: components["schemas"]["ActorDto"];
            /**
             * @description `deleted`: a draft discarded before it was ever active (its code may be reused)
             * @example updated
             * @enum {string}
             */
            change: "created" | "updated" | "activated" | "retired" | "deleted";
            /**
             * Format: date-time
             * @example 2025-03-14T09:26:53.589Z
             */
            changedAt: string;
            /**
             * @example [
             *       "retention",
             *       "recipients"
             *     ]
             */
            changedFields: string[];
            /**
             * @description The purpose this version belongs to: a code reused after a deleted draft is another purpose
             * @example 3f0c5a2e-8d1b-4c7a-9e44-0b6c2f1d9a17
             */
            purposeId: string;
            /**
             * @description Id of the HTTP request that made the change
             * @example c5b1f6de-7a2e-4f0b-9d3c-8e1a2b3c4d5e
             */
            requestId?: string | null;
            /**
             * @description The purpose as declared in this version (own values only)
             * @example {
             *       "code": "marketing.newsletter",
             *       "name": "Monthly newsletter",
             *       "status": "active",
             *       "legalBasis": "consent",
             *       "recipients": [
             *         "marketing team",
             *         "e-mailing processor"
             *       ],
             *       "retention": {
             *         "duration": "P3Y",
             *         "trigger": "last_interaction"
             *       }
             *     }
             */
            snapshot: Record<string, never>;
            /** @example 2 */
            version: number;
        };
        PutOrganisationDto: {
            /**
             * @example 12 rue de la Paix
             *     75002 Paris
             *     France
             */
            address: string;
            /** @example privacy@acme.example, +33 1 00 00 00 00 */
            contact: string;
            /** @description Data protection officer (art. 37–39); absent or null: none designated (a compliance gap) */
            dpo?: components["schemas"]["OrganisationPartyDto"] | null;
            /**
             * @description false: established outside the EU, so an EU representative (art. 27) is expected
             * @default true
             * @example true
             */
            establishedInEu: boolean;
            /**
             * @description Legal name of the controller
             * @example ACME SAS
             */
            name: string;
            /** @description Representative in the Union (art. 27), for a controller established outside it */
            representative?: components["schemas"]["OrganisationPartyDto"] | null;
        };
        RecordConsentDto: {
            /**
             * @description When the subject gave or withdrew consent; defaults to now (not in the future)
             * @example 2026-03-01T10:15:00Z
             */
            occurredAt?: string;
            /**
             * @description Evidence, free JSON up to 8 KB (form version, IP hash, the text shown…)
             * @example {
             *       "formVersion": "2026-03",
             *       "ipHash": "sha256:9f2c…",
             *       "text": "I want the monthly newsletter"
             *     }
             */
            proof?: {
                [key: string]: unknown;
            };
            /**
             * @description Code of a consent-based purpose
             * @example marketing.newsletter
             */
            purpose: string;
            /**
             * @description Version of the purpose consented to; defaults to its current version
             * @example 3
             */
            purposeVersion?: number;
            /**
             * @description Which application or form collected it
             * @example web-shop/signup-form
             */
            source: string;
            /**
             * @example granted
             * @enum {string}
             */
            status: "granted" | "withdrawn";
        };
        RecordInteractionDto: {
            /**
             * @description What the subject did: a lowercase word such as purchase, reply, sign_in, form, call, link_click
             * @example purchase
             */
            kind: string;
            /**
             * @description When the subject made contact; defaults to now (not in the future)
             * @example 2026-03-01T10:15:00Z
             */
            occurredAt?: string;
            /**
             * @description Which application saw it
             * @example web-shop/checkout
             */
            source: string;
        };
        RegisterDatasetDto: {
            /** @description The intermediate archive table (ADR 0052) */
            archive?: components["schemas"]["DatasetArchiveDto"];
            /** @example One row per customer */
            description?: Record<string, never>;
            fields?: components["schemas"]["RegisterFieldDto"][];
            /** @example public.customers */
            name: string;
            /**
             * @example [
             *       "id"
             *     ]
             */
            primaryKey: string[];
            /**
             * @description Rows other rows still reference (ADR 0051); left out: anonymise
             * @example purge_children_first
             * @enum {string}
             */
            referencedRows?: "anonymise" | "purge_children_first";
            /** @example id */
            subjectColumn?: Record<string, never>;
            timestampColumns?: components["schemas"]["TimestampColumnsDto"];
        };
        RegisterDiffDto: {
            /** @description Keys are system/schema.table */
            datasets: components["schemas"]["RegisterKindDiffDto"];
            /** @description Changed includes changed bindings */
            fields: components["schemas"]["RegisterKindDiffDto"];
            /** @description Retired: removed from the register */
            processors: components["schemas"]["RegisterKindDiffDto"];
            purposes: components["schemas"]["RegisterKindDiffDto"];
            systems: components["schemas"]["RegisterKindDiffDto"];
        };
        RegisterDocumentDto: {
            /**
             * @example finalite.register/v1
             * @enum {string}
             */
            format: "finalite.register/v1";
            /** @description The processors (art. 28); absent: none (the document is the whole register) */
            processors?: components["schemas"]["CreateProcessorDto"][];
            purposes: components["schemas"]["RegisterPurposeDto"][];
            systems: components["schemas"]["RegisterSystemDto"][];
        };
        RegisterFieldDto: {
            anonymisation?: components["schemas"]["AnonymisationDto"];
            /** @example email */
            column: string;
            /**
             * @example contact
             * @enum {string}
             */
            dataCategory: "identity" | "contact" | "location" | "financial" | "online_identifiers" | "behaviour" | "health" | "biometric" | "genetic" | "racial_ethnic_origin" | "political_opinions" | "religious_beliefs" | "trade_union" | "sex_life_orientation" | "criminal_convictions" | "other";
            /** @example Customer e-mail */
            description?: Record<string, never>;
            /** @description Bindings to purposes */
            purposes?: components["schemas"]["FieldBindingDto"][];
        };
        RegisterImportResultDto: {
            /**
             * @description Whether the register was changed
             * @example true
             */
            applied: boolean;
            diff: components["schemas"]["RegisterDiffDto"];
            /** @example false */
            dryRun: boolean;
        };
        RegisterKindDiffDto: {
            /**
             * @example [
             *       "crm.customers.email"
             *     ]
             */
            changed: string[];
            /**
             * @example [
             *       "crm.customers.phone"
             *     ]
             */
            created: string[];
            /**
             * @description Purposes: retired. Systems, datasets, fields: removed from the register
             * @example []
             */
            retired: string[];
        };
        RegisterPurposeDto: {
            /**
             * @description Stable unique slug
             * @example marketing.newsletter
             */
            code: string;
            controller?: components["schemas"]["PartyDto"] | null;
            /**
             * @description Categories of personal data processed
             * @example [
             *       "identity",
             *       "contact"
             *     ]
             */
            dataCategories?: string[] | null;
            /**
             * @example [
             *       "customers",
             *       "prospects"
             *     ]
             */
            dataSubjectCategories?: string[] | null;
            /** @example Send the monthly newsletter to subscribers. */
            description?: string | null;
            /**
             * @description Whether a DPIA (art. 35) is required
             * @example false
             */
            dpiaRequired?: boolean | null;
            internationalTransfers?: components["schemas"]["InternationalTransferDto"][] | null;
            jointControllers?: components["schemas"]["PartyDto"][] | null;
            /**
             * @description Art. 6(1) a–f
             * @example consent
             * @enum {string|null}
             */
            legalBasis?: "consent" | "contract" | "legal_obligation" | "vital_interests" | "public_task" | "legitimate_interests" | null;
            /**
             * @description Required when legalBasis is legitimate_interests
             * @example null
             */
            legitimateInterest?: string | null;
            /**
             * @description Cannot be cleared
             * @example Monthly newsletter
             */
            name?: string;
            /**
             * @description Code of the parent purpose (only while draft)
             * @example marketing
             */
            parentCode?: string | null;
            /**
             * @description Draft from a CNIL preset (GET /retention/presets): its retention is used when the request gives none (explicit values win), and the purpose records the preset (presetCode). Unknown: 400 PURPOSE_PRESET_UNKNOWN
             * @example cnil.prospects
             */
            presetCode?: string;
            processors?: components["schemas"]["ProcessorDto"][] | null;
            /**
             * @description Processors of the processor register (codes) the data is disclosed to; their transfers outside the EEA are derived
             * @example [
             *       "mailer"
             *     ]
             */
            recipientProcessors?: string[] | null;
            /**
             * @example [
             *       "marketing team",
             *       "e-mailing processor"
             *     ]
             */
            recipients?: string[] | null;
            retention?: components["schemas"]["RetentionDto"] | null;
            /**
             * @example [
             *       "encryption at rest",
             *       "role-based access"
             *     ]
             */
            securityMeasures?: string[] | null;
            /**
             * @description Art. 9(2) condition (or art. 10) allowing special-category data under this purpose
             * @example explicit_consent
             * @enum {string|null}
             */
            specialCategoryCondition?: "explicit_consent" | "employment_social_security" | "vital_interests" | "not_for_profit_body" | "made_public_by_subject" | "legal_claims" | "substantial_public_interest" | "health_or_social_care" | "public_health" | "archiving_research_statistics" | "official_authority_art10" | null;
            /**
             * @example active
             * @enum {string}
             */
            status: "draft" | "active" | "retired";
        };
        RegisterSystemDto: {
            /** @example crm */
            code: string;
            datasets?: components["schemas"]["RegisterDatasetDto"][];
            /** @example Sales CRM */
            description?: Record<string, never>;
            /** @example FR */
            hostingCountry?: Record<string, never>;
            /** @example OVHcloud Roubaix */
            hostingLocation?: Record<string, never>;
            /**
             * @example postgres
             * @enum {string}
             */
            kind: "postgres" | "mysql" | "webhook" | "manual";
            /** @example Customer CRM */
            name: string;
            /** @example Sales operations */
            owner?: Record<string, never>;
            /**
             * @description Code of a processor of the document operating it
             * @example mailer
             */
            processorCode?: Record<string, never>;
            /** @example 0 3 * * * */
            retentionSchedule?: Record<string, never>;
            /** @example https://crm.internal/gdpr/erase */
            webhookUrl?: Record<string, never>;
        };
        ReplaceFieldBindingsDto: {
            /**
             * @description The complete new set of bindings (an empty list unbinds the field)
             * @example [
             *       {
             *         "purpose": "marketing.newsletter",
             *         "actions": [
             *           "read"
             *         ],
             *         "obligation": null
             *       }
             *     ]
             */
            bindings: components["schemas"]["FieldBindingDto"][];
        };
        ReportPeriodDto: {
            /** @example 2026-10-01T00:00:00.000Z */
            from: string;
            /** @example 2026-11-01T00:00:00.000Z */
            to: string;
        };
        RequestErasureDto: {
            /** @example Art. 17 request received by e-mail on 2026-05-09 (ticket 8812) */
            reason?: string;
        };
        RestrictionResponseDto: {
            /** @example true */
            active: boolean;
            /**
             * Format: uuid
             * @example a3d5e7f9-1b2c-4d6e-8f0a-2b4c6d8e0f1a
             */
            id: string;
            /**
             * @example restriction
             * @enum {string}
             */
            kind: "restriction" | "objection";
            /**
             * Format: date-time
             * @example null
             */
            liftedAt: string | null;
            /** @example null */
            liftedBy: string | null;
            /** @example null */
            liftReason: string | null;
            /**
             * @description null: every purpose
             * @example [
             *       "marketing.newsletter"
             *     ]
             */
            purposes: string[] | null;
            /** @example Accuracy contested by the subject (art. 18(1)(a)) */
            reason: string;
            /**
             * Format: date-time
             * @example 2026-03-01T10:15:00.000Z
             */
            setAt: string;
            /** @example b3c1… */
            setBy: string;
            /** @example customer-42 */
            subjectId: string;
        };
        RetentionArchiveDto: {
            /**
             * @description How long the archived values are kept after the active phase (ISO-8601, > 0)
             * @example P5Y
             */
            duration: string;
            /**
             * @description Why the values are kept (a limitation period, a legal obligation); its absence is a gap
             * @example Limitation period for contract disputes (art. 2224 Code civil)
             */
            legalReason?: string | null;
        };
        RetentionCountsDto: {
            /**
             * @description Rows with some fields anonymised (dry run: would be)
             * @example 420
             */
            anonymised: number;
            /**
             * @description Rows deleted (dry run: would be)
             * @example 3100
             */
            deleted: number;
            /**
             * @description Failed batches or datasets
             * @example 0
             */
            errors: number;
            /**
             * @description Rows due but kept by a legal hold
             * @example 7
             */
            held: number;
            /**
             * @description Rows examined
             * @example 12000
             */
            scanned: number;
            /**
             * @description Rows whose trigger column is empty (expiry cannot be proven)
             * @example 3
             */
            undated: number;
        };
        RetentionDto: {
            /** @description An intermediate archive phase after the active one (ADR 0052) */
            archive?: components["schemas"]["RetentionArchiveDto"] | null;
            /**
             * @description ISO-8601 duration with whole numbers (P3Y, P13M, P1Y6M, P30D)
             * @example P3Y
             */
            duration: string;
            /**
             * @example last_interaction
             * @enum {string}
             */
            trigger: "collection" | "last_interaction" | "contract_end" | "consent_withdrawal";
        };
        RetentionExemptionDto: {
            /** @example payment_customer_id_fkey */
            constraint?: string;
            /**
             * @example [
             *       "crm.customers.name"
             *     ]
             */
            fields?: string[];
            /**
             * Format: uuid
             * @example 0b6f3f2e-5a0e-4c55-9d55-2b1f8f7c9a10
             */
            holdId?: string;
            /**
             * @description `subject_not_locatable`: the dataset declares no subject column, so the rows of a subject (erasure, consent withdrawal, subject hold) cannot be found there; `referenced_rows`: rows another table references (by `constraint`) are anonymised instead of deleted; `field_not_purgeable`: the field's strategy cannot apply to its column (nullify on NOT NULL), its values go only with their rows
             * @example legal_hold
             * @enum {string}
             */
            kind: "legal_hold" | "legal_obligation" | "subject_not_locatable" | "referenced_rows" | "field_not_purgeable";
            /** @example accounting.invoices */
            purposeCode?: string;
            /** @example Litigation 2026-CV-118 */
            reason: string;
        };
        RetentionKeptRowsDto: {
            /**
             * @description `constraint:<name>` (referenced, anonymised instead of deleted) or `field:<key>` (not purgeable)
             * @example constraint:payment_customer_id_fkey
             */
            reason: string;
            /** @example 120 */
            rows: number;
        };
        RetentionPresetDto: {
            /** @description The intermediate archive phase after the active one, with its legal reason */
            archive: components["schemas"]["PresetArchiveDto"] | null;
            /** @example cnil.prospects */
            code: string;
            label: components["schemas"]["LocalisedTextDto"];
            note: components["schemas"]["LocalisedTextDto"] | null;
            /** @description The active phase (durée d’utilité courante) */
            retention: components["schemas"]["PresetRetentionDto"];
            source: components["schemas"]["PresetSourceDto"];
        };
        RetentionPresetListDto: {
            items: components["schemas"]["RetentionPresetDto"][];
        };
        RetentionReportDto: {
            /** @description Audit chain head at generation time */
            auditChainHead: components["schemas"]["ChainHeadDto"] | null;
            /** @example 1 */
            failedRuns: number;
            /** @example [] */
            failures: Record<string, never>[];
            /** @example 2026-11-23T08:00:00.000Z */
            generatedAt: string;
            /**
             * @example en
             * @enum {string}
             */
            lang: "en" | "fr";
            /**
             * @example {
             *       "total": 15,
             *       "rows": []
             *     }
             */
            overdue: Record<string, never>;
            /** @description null for ropa and integrity */
            period: components["schemas"]["ReportPeriodDto"] | null;
            /**
             * @example ropa
             * @enum {string}
             */
            report: "ropa" | "gaps" | "access" | "retention" | "integrity";
            rows: components["schemas"]["RetentionRowDto"][];
            /** @example 30 */
            runs: number;
            /** @example Record of processing activities */
            title: string;
            /**
             * @example {
             *       "deleted": 120,
             *       "anonymised": 30,
             *       "held": 2,
             *       "failures": 0,
             *       "overdue": 15
             *     }
             */
            totals: Record<string, never>;
        };
        RetentionRowDto: {
            /** @example 30 */
            anonymised: number;
            /** @example public.customers */
            datasetKey: string;
            /** @example 120 */
            deleted: number;
            /** @example 0 */
            failures: number;
            /** @example 2 */
            held: number;
            /**
             * @description Rows past retention now
             * @example 15
             */
            overdue: number;
            /** @example crm */
            systemKey: string;
        };
        RetentionRulesResponseDto: {
            items: components["schemas"]["DatasetRuleDto"][];
        };
        RetentionRunDatasetDto: {
            /**
             * @description Rows with some fields anonymised (dry run: would be)
             * @example 420
             */
            anonymised: number;
            /**
             * @description Rows whose values were moved to the intermediate archive table (dry run: would be; ADR 0052)
             * @example 12
             */
            archived: number;
            /**
             * @description Archived rows deleted at the end of their archive phase (dry run: would be)
             * @example 3
             */
            archiveDeleted: number;
            /**
             * @description Committed batches
             * @example 13
             */
            batches: number;
            /** @example public.customers */
            dataset: string;
            /** @example 6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f */
            datasetId: string;
            /**
             * @description Rows deleted (dry run: would be)
             * @example 3100
             */
            deleted: number;
            /** @example null */
            error: string | null;
            /**
             * @description Failed batches or datasets
             * @example 0
             */
            errors: number;
            /**
             * @example postgres
             * @enum {string}
             */
            executor: "postgres" | "mysql" | "webhook" | "manual";
            exemptions: components["schemas"]["RetentionExemptionDto"][];
            /**
             * Format: date-time
             * @example 2026-05-10T03:01:45.000Z
             */
            finishedAt: string | null;
            /**
             * @description Rows due but kept by a legal hold
             * @example 7
             */
            held: number;
            /** @description Rows due that kept something, per reason (see exemptions); never fails the run */
            kept: components["schemas"]["RetentionKeptRowsDto"][];
            /**
             * @description Dry run: a sample of the primary keys of rows concerned
             * @example [
             *       [
             *         "1042"
             *       ],
             *       [
             *         "1043"
             *       ]
             *     ]
             */
            sampleKeys: string[][];
            /**
             * @description Rows examined
             * @example 12000
             */
            scanned: number;
            /**
             * Format: date-time
             * @example 2026-05-10T03:00:02.000Z
             */
            startedAt: string | null;
            /**
             * @example completed
             * @enum {string}
             */
            status: "pending" | "running" | "waiting" | "completed" | "failed" | "cancelled";
            /** @example crm */
            system: string;
            /**
             * @description Rows whose trigger column is empty (expiry cannot be proven)
             * @example 3
             */
            undated: number;
        };
        RetentionRunPageDto: {
            items: components["schemas"]["RetentionRunResponseDto"][];
            /**
             * @description Pass as `cursor` to get the next page; null on the last page
             * @example WyIyMDI1LTAzLTE0VDA5OjI2OjUzLjU4OVoiLCIzZjBjNWEyZS04ZDFiLTRjN2EtOWU0NC0wYjZjMmYxZDlhMTciXQ
             */
            nextCursor: string | null;
        };
        RetentionRunResponseDto: {
            /** @example false */
            cancelRequested: boolean;
            /**
             * Format: date-time
             * @example 2026-05-10T03:00:00.000Z
             */
            createdAt: string;
            /** @example null */
            datasetId: string | null;
            datasets: components["schemas"]["RetentionRunDatasetDto"][];
            /** @example false */
            dryRun: boolean;
            /** @example null */
            error: string | null;
            /**
             * Format: date-time
             * @example 2026-05-10T03:02:17.000Z
             */
            finishedAt: string | null;
            /**
             * Format: uuid
             * @example 2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d
             */
            id: string;
            /**
             * @example on_demand
             * @enum {string}
             */
            kind: "on_demand" | "scheduled" | "erasure" | "consent_withdrawal";
            requestedBy: components["schemas"]["ActorDto"];
            /**
             * Format: date-time
             * @example 2026-05-10T03:00:01.000Z
             */
            startedAt: string | null;
            /**
             * @example completed
             * @enum {string}
             */
            status: "queued" | "running" | "waiting" | "completed" | "failed" | "cancelled";
            /** @example crm */
            system: string | null;
            totals: components["schemas"]["RetentionCountsDto"];
        };
        RetentionWordsDto: {
            /** @example 3 years from the last interaction */
            en: string;
            /** @example 3 ans à compter de la dernière interaction */
            fr: string;
        };
        RopaCategoryDto: {
            /** @example contact */
            category: string;
            /** @example 4 */
            fieldCount: number;
            /** @example false */
            special: boolean;
            /**
             * @example [
             *       "crm"
             *     ]
             */
            systems: string[];
        };
        RopaEntryDto: {
            /** @example 2026-01-10T09:00:00.000Z */
            activatedAt: string | null;
            /** @example marketing.newsletter */
            code: string;
            /**
             * @example {
             *       "name": "ACME SAS",
             *       "contact": "dpo@acme.example"
             *     }
             */
            controller: Record<string, never> | null;
            /**
             * @example [
             *       "identity",
             *       "contact"
             *     ]
             */
            dataCategories: string[];
            /**
             * @example [
             *       "customers"
             *     ]
             */
            dataSubjectCategories: string[];
            /** @example Newsletter to subscribers */
            description: string | null;
            /** @example false */
            dpiaRequired: boolean | null;
            /** @example 12 */
            fieldCount: number | null;
            /**
             * @example [
             *       {
             *         "country": "US",
             *         "recipient": "Mailer Inc.",
             *         "safeguard": "SCCs"
             *       }
             *     ]
             */
            internationalTransfers: Record<string, never>[];
            inventoryCategories: components["schemas"]["RopaCategoryDto"][] | null;
            /** @example [] */
            jointControllers: Record<string, never>[];
            /** @example consent */
            legalBasis: string | null;
            /** @example Consent (art. 6(1)(a)) */
            legalBasisLabel: string;
            /** @example null */
            legitimateInterest: string | null;
            /** @example Monthly newsletter */
            name: string;
            /** @example null */
            parentCode: string | null;
            /**
             * @example [
             *       {
             *         "name": "Mailer Inc.",
             *         "service": "e-mailing",
             *         "country": "IE"
             *       }
             *     ]
             */
            processors: Record<string, never>[];
            /**
             * @example [
             *       "marketing team"
             *     ]
             */
            recipients: string[];
            retention: components["schemas"]["RopaRetentionDto"] | null;
            /**
             * @example [
             *       "encryption at rest"
             *     ]
             */
            securityMeasures: string[];
            /** @example null */
            specialCategoryCondition: string | null;
            /** @description null when no inventory is available */
            systems: components["schemas"]["RopaSystemDto"][] | null;
            /** @example 3 */
            version: number;
        };
        RopaOrganisationDto: {
            /**
             * @example 12 rue de la Paix
             *     75002 Paris
             *     France
             */
            address: string;
            /** @example privacy@acme.example */
            contact: string;
            dpo: components["schemas"]["RopaPartyDto"] | null;
            /** @example true */
            establishedInEu: boolean;
            /** @example ACME SAS */
            name: string;
            /** @description EU representative (art. 27) */
            representative: components["schemas"]["RopaPartyDto"] | null;
            /** @example 2026-11-30T09:00:00.000Z */
            updatedAt: string;
            /** @example 2 */
            version: number;
        };
        RopaPartyDto: {
            /** @example dpo@acme.example */
            contact: string;
            /** @example Claire Martin */
            name: string;
        };
        RopaReportDto: {
            /** @description Audit chain head at generation time */
            auditChainHead: components["schemas"]["ChainHeadDto"] | null;
            entries: components["schemas"]["RopaEntryDto"][];
            /** @example 2026-11-23T08:00:00.000Z */
            generatedAt: string;
            /** @example true */
            inventoryAvailable: boolean;
            /**
             * @example en
             * @enum {string}
             */
            lang: "en" | "fr";
            /** @description Art. 30(1)(a): the controller, its DPO and EU representative (null: not declared) */
            organisation: components["schemas"]["RopaOrganisationDto"] | null;
            /**
             * @description false: the organisation module is not installed
             * @example true
             */
            organisationAvailable: boolean;
            /** @description null for ropa and integrity */
            period: components["schemas"]["ReportPeriodDto"] | null;
            /** @example 12 */
            purposeCount: number;
            /**
             * @example ropa
             * @enum {string}
             */
            report: "ropa" | "gaps" | "access" | "retention" | "integrity";
            /** @example Record of processing activities */
            title: string;
        };
        RopaRetentionDto: {
            /** @example 3 years from the last interaction */
            description: string;
            /** @example P3Y */
            duration: string;
            /** @example last_interaction */
            trigger: string;
        };
        RopaSystemDto: {
            /**
             * @example [
             *       "public.customers"
             *     ]
             */
            datasets: string[];
            /** @example crm */
            key: string;
            /** @example CRM */
            name: string;
        };
        ScanResultDto: {
            /**
             * @description Columns read from the catalogue
             * @example 14
             */
            columnCount: number;
            /** @description Registered fields (of the scanned schemas) whose column the database does not have */
            missing: components["schemas"]["MissingColumnDto"][];
            /**
             * @description Columns already registered as fields
             * @example 9
             */
            registeredCount: number;
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            scannedAt: string;
            /**
             * @example [
             *       "public"
             *     ]
             */
            schemas: string[];
            /** @example crm */
            systemCode: string;
            /** @description Likely personal data first */
            unregistered: components["schemas"]["UnregisteredColumnDto"][];
        };
        ScanSystemDto: {
            /**
             * @description Schemas to read (default: every non-system schema)
             * @example [
             *       "public",
             *       "billing"
             *     ]
             */
            schemas?: string[];
        };
        SessionPrincipalDto: {
            /**
             * Format: uuid
             * @example 0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59
             */
            id: string;
            /** @example Claire (DPO) */
            name: string;
            /**
             * @example [
             *       "dpo"
             *     ]
             */
            roles: ("admin" | "dpo" | "auditor" | "application")[];
        };
        SetPrincipalPurposesDto: {
            /**
             * @description Purposes (among purposeCodes) on which the application may also reach the intermediate archive (access checks with phase "archive" and a justification). Replaces the previous set; omitted: the previous archive grants are kept for the purposes still authorised. None by default.
             * @example [
             *       "billing.invoicing"
             *     ]
             */
            archivePurposeCodes?: string[];
            /**
             * @description The complete set of purposes the application may invoke (replaces the previous set)
             * @example [
             *       "marketing.newsletter",
             *       "billing.invoicing"
             *     ]
             */
            purposeCodes: string[];
        };
        SignInDto: {
            /**
             * @description An API key of a person (not an application). Exchanged for a session cookie; never stored.
             * @example fin_3kq9x2ab_Jq0c3n5m2S8cJ0kq7l1b9Zr4Q6Yx2Wv8Tt5Uu3Pp1Ee
             */
            apiKey: string;
        };
        SubjectConsentsDto: {
            /** @description Current state per purpose */
            current: components["schemas"]["ConsentCurrentDto"][];
            /** @description Every grant and withdrawal, newest first */
            history: components["schemas"]["ConsentRecordDto"][];
            /** @example customer-42 */
            subjectId: string;
        };
        SubjectRestrictionsDto: {
            /** @description Newest first */
            items: components["schemas"]["RestrictionResponseDto"][];
            /** @example customer-42 */
            subjectId: string;
        };
        SubProcessorDto: {
            /**
             * @description ISO 3166-1 alpha-2 code of a country where data is processed
             * @example US
             */
            country: string;
            /**
             * @description Outside the EEA only (art. 45–49). Absent for a country with a full adequacy decision: that decision applies
             * @example standard_contractual_clauses
             * @enum {string|null}
             */
            mechanism?: "adequacy_decision" | "standard_contractual_clauses" | "binding_corporate_rules" | "art49_derogation" | null;
            /** @example Cloud Hosting Inc. */
            name: string;
            /**
             * @description Required with any mechanism but an adequacy decision (filled from the decision list then)
             * @example SCC 2021/914, module 2, signed 2025-01-15
             */
            reference?: Record<string, never> | null;
            /** @example hosting */
            service?: Record<string, never> | null;
        };
        SubProcessorResponseDto: {
            /** @example US */
            country: string;
            /**
             * @example standard_contractual_clauses
             * @enum {string|null}
             */
            mechanism?: "adequacy_decision" | "standard_contractual_clauses" | "binding_corporate_rules" | "art49_derogation" | null;
            /** @example Cloud Hosting Inc. */
            name: string;
            /** @example SCC 2021/914 */
            reference?: string | null;
            /** @example hosting */
            service?: string | null;
        };
        SystemListDto: {
            items: components["schemas"]["SystemResponseDto"][];
        };
        SystemResponseDto: {
            /** @example crm */
            code: string;
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            createdAt: string;
            /** @example 2 */
            datasetCount: number;
            /** @example Sales CRM */
            description: string | null;
            /**
             * @description A connection string is stored (never returned)
             * @example true
             */
            hasConnection: boolean;
            /**
             * @description A webhook signing secret is stored (never returned)
             * @example false
             */
            hasWebhookSecret: boolean;
            /** @example FR */
            hostingCountry: string | null;
            /** @example OVHcloud Roubaix */
            hostingLocation: string | null;
            /**
             * Format: uuid
             * @example 6b7c1f2e-3a53-4c7e-9b59-0a8a6f1e2d11
             */
            id: string;
            /**
             * @example postgres
             * @enum {string}
             */
            kind: "postgres" | "mysql" | "webhook" | "manual";
            /** @example Customer CRM */
            name: string;
            /** @example Sales operations */
            owner: string | null;
            /**
             * @description Processor operating it
             * @example mailer
             */
            processorCode: string | null;
            /** @example 0 3 * * * */
            retentionSchedule: string | null;
            /**
             * Format: date-time
             * @example 2026-11-02T10:00:00.000Z
             */
            updatedAt: string;
            /** @example 1 */
            version: number;
            /** @example null */
            webhookUrl: string | null;
        };
        TimestampColumnsDto: {
            /**
             * @description When the data was collected
             * @example created_at
             */
            collection?: string;
            /**
             * @description End of the contract
             * @example contract_ended_at
             */
            contractEnd?: string;
            /**
             * @description Last interaction with the subject
             * @example last_order_at
             */
            lastInteraction?: string;
        };
        TimestampColumnsResponseDto: {
            /** @example created_at */
            collection?: string;
            /** @example contract_ended_at */
            contractEnd?: string;
            /** @example last_order_at */
            lastInteraction?: string;
        };
        TrailStepDto: {
            /** @example consent withdrawn */
            detail: string;
            /**
             * @example fail
             * @enum {string}
             */
            outcome: "pass" | "fail" | "not_applicable";
            /**
             * @description The rule (its reason code)
             * @example CONSENT_WITHDRAWN
             * @enum {string}
             */
            rule: "ALLOWED" | "PURPOSE_UNKNOWN" | "PURPOSE_NOT_ACTIVE" | "APPLICATION_NOT_AUTHORISED" | "FIELD_UNKNOWN" | "FIELD_NOT_BOUND_TO_PURPOSE" | "ACTION_NOT_ALLOWED" | "CONSENT_REQUIRED" | "CONSENT_MISSING" | "CONSENT_WITHDRAWN" | "SUBJECT_RESTRICTED" | "ARCHIVED" | "ARCHIVE_ACCESS_NOT_AUTHORISED" | "ARCHIVE_JUSTIFICATION_MISSING" | "ARCHIVE_SUBJECT_REQUIRED" | "NOT_ARCHIVED";
        };
        UnregisteredColumnDto: {
            /** @example phone */
            column: string;
            /**
             * @description Registered dataset of the column; null when the table itself is not registered
             * @example public.customers
             */
            dataset: string | null;
            /** @example text */
            dataType: string;
            /**
             * @description The column name suggests personal data
             * @example true
             */
            likelyPersonal: boolean;
            /** @example phone number */
            reason: string | null;
            /**
             * @description False when the schema, table or column name is not a SQL identifier (spaces, hyphens…): the register cannot hold it as is
             * @example true
             */
            registrable: boolean;
            /** @example public */
            schema: string;
            /**
             * @example contact
             * @enum {string|null}
             */
            suggestedCategory: "identity" | "contact" | "location" | "financial" | "online_identifiers" | "behaviour" | "health" | "biometric" | "genetic" | "racial_ethnic_origin" | "political_opinions" | "religious_beliefs" | "trade_union" | "sex_life_orientation" | "criminal_convictions" | "other" | null;
            /**
             * @description Key the field would get; null when the column cannot be registered (see registrable)
             * @example crm.customers.phone
             */
            suggestedKey: string | null;
            /** @example customers */
            table: string;
        };
        UpdateDatasetDto: {
            /** @description Where the values of a purpose with an archive phase are moved (postgres and mysql systems; ADR 0052) */
            archive?: components["schemas"]["DatasetArchiveDto"] | null;
            /** @example One row per customer */
            description?: string | null;
            /**
             * @description Primary key column(s)
             * @example [
             *       "id"
             *     ]
             */
            primaryKey?: string[];
            /**
             * @description What a purge does with due rows other rows still reference: anonymise them (default), or purge the registered child datasets of the system first, then anonymise what is still referenced (ADR 0051)
             * @example purge_children_first
             * @enum {string}
             */
            referencedRows?: "anonymise" | "purge_children_first";
            /**
             * @description Column holding the data subject id (null: not tied to one subject)
             * @example id
             */
            subjectColumn?: string | null;
            /** @description Columns the retention triggers use */
            timestampColumns?: components["schemas"]["TimestampColumnsDto"];
        };
        UpdateFieldDto: {
            /** @description What retention does to the value; null: the default of the data category */
            anonymisation?: components["schemas"]["AnonymisationDto"] | null;
            /**
             * @example contact
             * @enum {string}
             */
            dataCategory?: "identity" | "contact" | "location" | "financial" | "online_identifiers" | "behaviour" | "health" | "biometric" | "genetic" | "racial_ethnic_origin" | "political_opinions" | "religious_beliefs" | "trade_union" | "sex_life_orientation" | "criminal_convictions" | "other";
            /** @example Customer e-mail, used for order confirmations */
            description?: string | null;
        };
        UpdatePrincipalDto: {
            /**
             * @description A disabled principal’s keys stop working at once, on every instance
             * @example true
             */
            disabled?: boolean;
            /** @example Claire Martin (DPO) */
            name?: string;
            /**
             * @example [
             *       "dpo",
             *       "auditor"
             *     ]
             */
            roles?: ("admin" | "dpo" | "auditor" | "application")[];
        };
        UpdatePurposeDto: {
            controller?: components["schemas"]["PartyDto"] | null;
            /**
             * @description Categories of personal data processed
             * @example [
             *       "identity",
             *       "contact"
             *     ]
             */
            dataCategories?: string[] | null;
            /**
             * @example [
             *       "customers",
             *       "prospects"
             *     ]
             */
            dataSubjectCategories?: string[] | null;
            /** @example Send the monthly newsletter to subscribers. */
            description?: string | null;
            /**
             * @description Whether a DPIA (art. 35) is required
             * @example false
             */
            dpiaRequired?: boolean | null;
            internationalTransfers?: components["schemas"]["InternationalTransferDto"][] | null;
            jointControllers?: components["schemas"]["PartyDto"][] | null;
            /**
             * @description Art. 6(1) a–f
             * @example consent
             * @enum {string|null}
             */
            legalBasis?: "consent" | "contract" | "legal_obligation" | "vital_interests" | "public_task" | "legitimate_interests" | null;
            /**
             * @description Required when legalBasis is legitimate_interests
             * @example null
             */
            legitimateInterest?: string | null;
            /**
             * @description Cannot be cleared
             * @example Monthly newsletter
             */
            name?: string;
            /**
             * @description Code of the parent purpose (only while draft)
             * @example marketing
             */
            parentCode?: string | null;
            processors?: components["schemas"]["ProcessorDto"][] | null;
            /**
             * @description Processors of the processor register (codes) the data is disclosed to; their transfers outside the EEA are derived
             * @example [
             *       "mailer"
             *     ]
             */
            recipientProcessors?: string[] | null;
            /**
             * @example [
             *       "marketing team",
             *       "e-mailing processor"
             *     ]
             */
            recipients?: string[] | null;
            retention?: components["schemas"]["RetentionDto"] | null;
            /**
             * @example [
             *       "encryption at rest",
             *       "role-based access"
             *     ]
             */
            securityMeasures?: string[] | null;
            /**
             * @description Art. 9(2) condition (or art. 10) allowing special-category data under this purpose
             * @example explicit_consent
             * @enum {string|null}
             */
            specialCategoryCondition?: "explicit_consent" | "employment_social_security" | "vital_interests" | "not_for_profit_body" | "made_public_by_subject" | "legal_claims" | "substantial_public_interest" | "health_or_social_care" | "public_health" | "archiving_research_statistics" | "official_authority_art10" | null;
        };
        UpdateSystemDto: {
            /**
             * @description postgres (postgres://…) and mysql (mysql://user:password@host:port/database) systems only. Write-only: stored encrypted, never returned (see hasConnection)
             * @example postgres://finalite_ro:secret@crm-db.internal:5432/crm
             */
            connectionString?: string | null;
            /** @example Sales CRM: customers, contacts, opportunities */
            description?: string | null;
            /**
             * @description ISO 3166-1 alpha-2
             * @example FR
             */
            hostingCountry?: string | null;
            /** @example OVHcloud Roubaix */
            hostingLocation?: string | null;
            /**
             * @example manual
             * @enum {string}
             */
            kind?: "postgres" | "mysql" | "webhook" | "manual";
            /**
             * @description Cannot be cleared
             * @example Customer CRM
             */
            name?: string;
            /** @example Sales operations (ops@acme.example) */
            owner?: string | null;
            /**
             * @description Code of the processor (art. 28) operating the system; absent or null: operated in-house
             * @example mailer
             */
            processorCode?: Record<string, never> | null;
            /**
             * @description Cron expression for the retention engine (default: daily)
             * @example 0 3 * * *
             */
            retentionSchedule?: string | null;
            /**
             * @description webhook systems only: HMAC signing secret. Write-only: stored encrypted, never returned
             * @example whsec_8f3a…
             */
            webhookSecret?: string | null;
            /**
             * @description webhook systems only: where erasure requests are POSTed
             * @example https://crm.internal/gdpr/erase
             */
            webhookUrl?: string | null;
        };
        WebhookCallbackDto: {
            /** @example 3 */
            anonymised: number;
            /** @example 12 */
            deleted: number;
            /**
             * @description Rows kept (legal hold on the system side)
             * @example 0
             */
            held?: number;
            /** @example purged 12 contacts */
            message?: string;
            /**
             * @example completed
             * @enum {string}
             */
            status: "completed" | "failed";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    AccessController_check: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AccessCheckDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessDecisionDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Not an application */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description context too large */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED: the audit trail was cut below a signed checkpoint; no decision is given until an operator restores it (retrying does not help) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Policy or audit trail unreachable: no decision is given (fail closed) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AccessController_checkBatch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AccessCheckBatchDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessBatchResultDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Not an application */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description More than 1000 checks */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED: the audit trail was cut below a signed checkpoint; no decision is given until an operator restores it (retrying does not help) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Policy or audit trail unreachable: no decision is given (fail closed) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AccessController_explain: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AccessExplainDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessExplanationDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Not a DPO */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description applicationId is not an application */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED: the audit trail was cut below a signed checkpoint; no decision is given until an operator restores it (retrying does not help) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Policy or audit trail unreachable: no decision is given (fail closed) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditController_checkpoints: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description Page size */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditCheckpointPageDto"];
                };
            };
            /** @description Invalid filter, range, sequence or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditController_exportCheckpoints: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One checkpoint per line, as in GET /audit/checkpoints, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid filter, range, sequence or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/x-ndjson": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/x-ndjson": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The export could not be recorded */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-ndjson": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditDecisionsController_search: {
        parameters: {
            query?: {
                /** @description Application principal id */
                application?: string;
                /** @description nextCursor of the previous page */
                cursor?: string;
                decision?: "allow" | "deny" | "partial";
                /** @description A field the decision was about */
                field?: string;
                /** @description Decisions at or after this instant */
                from?: string;
                /** @description Page size */
                limit?: number;
                /** @description Purpose code (exact) */
                purpose?: string;
                /** @description A per-field reason (with `field`: the reason given for that field) */
                reason?: string;
                /** @description Data subject id in clear: the service hashes it (HMAC) and searches the stored keyed hash */
                subjectId?: string;
                /** @description Decisions before this instant */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessDecisionRecordPageDto"];
                };
            };
            /** @description Invalid filter, range or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditController_list: {
        parameters: {
            query?: {
                /** @description Actor id (principal id, or `finalite` for the system) */
                actor?: string;
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description Events at or after this instant (ISO 8601) */
                from?: string;
                /** @description Page size */
                limit?: number;
                /** @description Sequence order */
                order?: "asc" | "desc";
                /** @description Purpose code */
                purpose?: string;
                /** @description Data subject id in clear: the service hashes it (HMAC) and searches the stored keyed hash */
                subjectId?: string;
                /** @description Events before this instant (ISO 8601, exclusive) */
                to?: string;
                /** @description Event type, exact, or a prefix ending in `.*` */
                type?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEventPageDto"];
                };
            };
            /** @description Invalid filter, range, sequence or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Sequence number of the event */
                seq: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditEventResponseDto"];
                };
            };
            /** @description Invalid filter, range, sequence or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No event with this sequence number */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditController_export: {
        parameters: {
            query?: {
                /** @description Actor id (principal id, or `finalite` for the system) */
                actor?: string;
                format?: "ndjson" | "csv";
                /** @description Events at or after this instant (ISO 8601) */
                from?: string;
                /** @description First sequence number to export */
                fromSeq?: number;
                /** @description Purpose code */
                purpose?: string;
                /** @description Data subject id in clear: the service hashes it (HMAC) and searches the stored keyed hash */
                subjectId?: string;
                /** @description Events before this instant (ISO 8601, exclusive) */
                to?: string;
                /** @description Last sequence number to export */
                toSeq?: number;
                /** @description Event type, exact, or a prefix ending in `.*` */
                type?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One event per line, in sequence order, up to the audit.exported event */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid filter, range, sequence or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/x-ndjson": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/x-ndjson": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The export could not be recorded */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-ndjson": components["schemas"]["ErrorBodyDto"];
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditController_publicKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPublicKeyResponseDto"];
                };
            };
            /** @description Invalid filter, range, sequence or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    AuditController_verify: {
        parameters: {
            query?: {
                /** @description First sequence number to verify (default 1) */
                fromSeq?: number;
                /** @description Last sequence number to verify (default: the head) */
                toSeq?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditVerificationResponseDto"];
                };
            };
            /** @description Invalid filter, range, sequence or cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SessionController_current: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsoleSessionResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Authenticated by an API key, not a session */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SessionController_signIn: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SignInDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsoleSessionResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The key is unknown, revoked or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description CONSOLE_NOT_FOR_APPLICATIONS */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SessionController_signOut: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Authenticated by an API key, not a session */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ConsentsController_import: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/octet-stream": string;
                "application/x-ndjson": string;
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsentImportResultDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Too many rows or bytes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Invalid lines, with their numbers */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    DashboardController_get: {
        parameters: {
            query?: {
                /** @description Length of the period (days up to now) for access decisions and gaps */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PostureResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    FieldsController_list: {
        parameters: {
            query?: {
                category?: "identity" | "contact" | "location" | "financial" | "online_identifiers" | "behaviour" | "health" | "biometric" | "genetic" | "racial_ethnic_origin" | "political_opinions" | "religious_beliefs" | "trade_union" | "sex_life_orientation" | "criminal_convictions" | "other";
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description Page size */
                limit?: number;
                /** @description Only fields bound to this purpose */
                purpose?: string;
                /** @description Only special-category (art. 9/10) fields, or only others */
                special?: boolean;
                /** @description Only fields of this system */
                system?: string;
                /** @description Only fields bound to no purpose (or only bound ones) */
                unbound?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PersonalFieldPageDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such field (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    FieldsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateFieldDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PersonalFieldResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such field (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Field already registered */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Unknown dataset, or bad anonymisation */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    FieldsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Field key: system.table.column (or system.schema.table.column) */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PersonalFieldResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such field (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    FieldsController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Field key: system.table.column (or system.schema.table.column) */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such field (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    FieldsController_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Field key: system.table.column (or system.schema.table.column) */
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateFieldDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PersonalFieldResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such field (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Special category bound to a purpose without an art. 9(2) condition */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    FieldsController_replaceBindings: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Field key: system.table.column (or system.schema.table.column) */
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReplaceFieldBindingsDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PersonalFieldResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such field (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Unknown or retired purpose, or special category without an art. 9(2) condition */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    HealthController_live: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Health Check is successful */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                        /** @example {} */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example ok */
                        status?: string;
                    };
                };
            };
            /** @description The Health Check is not successful */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       },
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                        /**
                         * @example {
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example error */
                        status?: string;
                    };
                };
            };
        };
    };
    HealthController_ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Health Check is successful */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                        /** @example {} */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example ok */
                        status?: string;
                    };
                };
            };
            /** @description The Health Check is not successful */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       },
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        details?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        };
                        /**
                         * @example {
                         *       "redis": {
                         *         "status": "down",
                         *         "message": "Could not connect"
                         *       }
                         *     }
                         */
                        error?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /**
                         * @example {
                         *       "database": {
                         *         "status": "up"
                         *       }
                         *     }
                         */
                        info?: {
                            [key: string]: {
                                status: string;
                            } & {
                                [key: string]: unknown;
                            };
                        } | null;
                        /** @example error */
                        status?: string;
                    };
                };
            };
        };
    };
    InteractionsController_import: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImportInteractionsDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InteractionImportResultDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description An occurredAt in the future */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    LegalHoldsController_list: {
        parameters: {
            query?: {
                state?: "in_force" | "lifted" | "all";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LegalHoldListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    LegalHoldsController_place: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlaceLegalHoldDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LegalHoldResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    LegalHoldsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Legal hold id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LegalHoldResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    LegalHoldsController_lift: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Legal hold id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LegalHoldResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Already lifted */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    MeController_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PrincipalsController_list: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description Page size */
                limit?: number;
                /** @description Only principals holding this role */
                role?: "admin" | "dpo" | "auditor" | "application";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PrincipalPageDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such principal or key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PrincipalsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePrincipalDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedPrincipalResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such principal or key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Unknown purposes, or purposes for a non-application */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PrincipalsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PrincipalResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such principal or key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PrincipalsController_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdatePrincipalDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PrincipalResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such principal or key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Would leave no enabled admin */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PrincipalsController_createKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateApiKeyDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKeyResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such principal or key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The key to replace is revoked */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Expiry in the past */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PrincipalsController_revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked (or already revoked) */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such principal or key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PrincipalsController_setPurposes: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SetPrincipalPurposesDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PrincipalResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such principal or key */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Unknown purposes, or not an application */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ProcessorsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProcessorListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ProcessorsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateProcessorDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProcessorResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description PROCESSOR_ALREADY_EXISTS */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description PROCESSOR_RULE_VIOLATED: a mechanism inside the EEA, an adequacy decision the Commission never took, a mechanism without its reference, a review date before the signature */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ProcessorsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Processor code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProcessorResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description PROCESSOR_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ProcessorsController_replace: {
        parameters: {
            query?: never;
            header?: {
                /** @description Expected current version, e.g. "3"; a stale one is a 412 */
                "If-Match"?: string;
            };
            path: {
                /** @description Processor code */
                code: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProcessorDeclarationDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProcessorResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description PROCESSOR_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description If-Match version is stale */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description PROCESSOR_RULE_VIOLATED: a mechanism inside the EEA, an adequacy decision the Commission never took, a mechanism without its reference, a review date before the signature */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ProcessorsController_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Processor code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProcessorHistoryDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description PROCESSOR_NOT_FOUND */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_list: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                legalBasis?: "consent" | "contract" | "legal_obligation" | "vital_interests" | "public_task" | "legitimate_interests";
                /** @description Page size */
                limit?: number;
                /** @description Case-insensitive text search in code, name and description */
                q?: string;
                status?: "draft" | "active" | "retired";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurposePageDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePurposeDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurposeResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Code already used */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Breaks a register rule */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Purpose code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurposeResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Purpose code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Was active once, or has sub-purposes */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description Expected current version, e.g. "3"; a stale one is a 412 */
                "If-Match"?: string;
            };
            path: {
                /** @description Purpose code */
                code: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdatePurposeDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurposeResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Purpose retired, or parent locked */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description If-Match version is stale */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Breaks a register rule */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_activate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Purpose code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurposeResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Not a draft */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Incomplete declaration */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    FieldsController_listOfPurpose: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Purpose code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PersonalFieldListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such field (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Purpose code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurposeHistoryDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    PurposesController_retire: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Purpose code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurposeResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such purpose (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Not active, or has active sub-purposes */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RegisterController_export: {
        parameters: {
            query?: {
                format?: "yaml" | "json";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegisterDocumentDto"];
                    "application/yaml": components["schemas"]["RegisterDocumentDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/yaml": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/yaml": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RegisterController_import: {
        parameters: {
            query?: {
                /** @description Validate and return the diff; write nothing */
                dryRun?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterDocumentDto"];
                "application/yaml": components["schemas"]["RegisterDocumentDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RegisterImportResultDto"];
                };
            };
            /** @description REGISTER_MALFORMED: not YAML / JSON, or YAML past its bounds (depth 64, 250,000 nodes, 100 aliases), a tag, a merge key, a self-containing node, or a prototype key */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description REGISTER_TOO_LARGE: YAML over 4 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description REGISTER_INVALID: details lists every { path, message }; nothing was written */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    OrganisationController_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganisationResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Not declared yet (ORGANISATION_NOT_DECLARED) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    OrganisationController_put: {
        parameters: {
            query?: never;
            header?: {
                /** @description Expected current version, e.g. "1"; a stale one is a 412 */
                "If-Match"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PutOrganisationDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OrganisationResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description If-Match version is stale */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ReportsController_access: {
        parameters: {
            query?: {
                /** @description Document format; each report lists the ones it supports (others are a 400) */
                format?: "json" | "csv" | "pdf" | "xlsx";
                /** @description Start of the period (ISO-8601 date or date-time, inclusive). Default: 30 days before `to`. */
                from?: string;
                /** @description Labels language. Default: fr for the CNIL layouts (xlsx, layout=cnil), en otherwise */
                lang?: "en" | "fr";
                /** @description Record of processing, PDF only: `cnil` lays it out as the CNIL model (cover, contents, one fiche per activity as tables, embedded fonts). The xlsx workbook always follows the CNIL model. */
                layout?: "standard" | "cnil";
                /** @description CSV separator. Default: semicolon with lang=fr (Excel in French locales), else comma. */
                sep?: "comma" | "semicolon";
                /** @description End of the period (exclusive date-time; a date alone includes that whole day). Default: now. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document (JSON shape shown; CSV and PDF carry the same content) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessReportDto"];
                    "text/csv": components["schemas"]["AccessReportDto"];
                };
            };
            /** @description Unsupported format (REPORT_FORMAT_UNSUPPORTED, details.supported), bad dates or from > to */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Only dpo and auditor keys may export reports */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED (before the first byte): the audit trail was cut below a signed checkpoint, so the download cannot be recorded; the integrity report is served instead, stating the cut */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description A data source of the report is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ReportsController_gaps: {
        parameters: {
            query?: {
                /** @description Document format; each report lists the ones it supports (others are a 400) */
                format?: "json" | "csv" | "pdf" | "xlsx";
                /** @description Start of the period (ISO-8601 date or date-time, inclusive). Default: 30 days before `to`. */
                from?: string;
                /** @description Labels language. Default: fr for the CNIL layouts (xlsx, layout=cnil), en otherwise */
                lang?: "en" | "fr";
                /** @description Record of processing, PDF only: `cnil` lays it out as the CNIL model (cover, contents, one fiche per activity as tables, embedded fonts). The xlsx workbook always follows the CNIL model. */
                layout?: "standard" | "cnil";
                /** @description CSV separator. Default: semicolon with lang=fr (Excel in French locales), else comma. */
                sep?: "comma" | "semicolon";
                /** @description End of the period (exclusive date-time; a date alone includes that whole day). Default: now. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document (JSON shape shown; CSV and PDF carry the same content) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GapsReportDto"];
                    "application/pdf": components["schemas"]["GapsReportDto"];
                };
            };
            /** @description Unsupported format (REPORT_FORMAT_UNSUPPORTED, details.supported), bad dates or from > to */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Only dpo and auditor keys may export reports */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED (before the first byte): the audit trail was cut below a signed checkpoint, so the download cannot be recorded; the integrity report is served instead, stating the cut */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description A data source of the report is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ReportsController_integrity: {
        parameters: {
            query?: {
                /** @description Document format; each report lists the ones it supports (others are a 400) */
                format?: "json" | "csv" | "pdf" | "xlsx";
                /** @description Start of the period (ISO-8601 date or date-time, inclusive). Default: 30 days before `to`. */
                from?: string;
                /** @description Labels language. Default: fr for the CNIL layouts (xlsx, layout=cnil), en otherwise */
                lang?: "en" | "fr";
                /** @description Record of processing, PDF only: `cnil` lays it out as the CNIL model (cover, contents, one fiche per activity as tables, embedded fonts). The xlsx workbook always follows the CNIL model. */
                layout?: "standard" | "cnil";
                /** @description CSV separator. Default: semicolon with lang=fr (Excel in French locales), else comma. */
                sep?: "comma" | "semicolon";
                /** @description End of the period (exclusive date-time; a date alone includes that whole day). Default: now. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document (JSON shape shown; CSV and PDF carry the same content) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IntegrityReportDto"];
                    "application/pdf": components["schemas"]["IntegrityReportDto"];
                };
            };
            /** @description Unsupported format (REPORT_FORMAT_UNSUPPORTED, details.supported), bad dates or from > to */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Only dpo and auditor keys may export reports */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED (before the first byte): the audit trail was cut below a signed checkpoint, so the download cannot be recorded; the integrity report is served instead, stating the cut */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description A data source of the report is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ReportsController_retention: {
        parameters: {
            query?: {
                /** @description Document format; each report lists the ones it supports (others are a 400) */
                format?: "json" | "csv" | "pdf" | "xlsx";
                /** @description Start of the period (ISO-8601 date or date-time, inclusive). Default: 30 days before `to`. */
                from?: string;
                /** @description Labels language. Default: fr for the CNIL layouts (xlsx, layout=cnil), en otherwise */
                lang?: "en" | "fr";
                /** @description Record of processing, PDF only: `cnil` lays it out as the CNIL model (cover, contents, one fiche per activity as tables, embedded fonts). The xlsx workbook always follows the CNIL model. */
                layout?: "standard" | "cnil";
                /** @description CSV separator. Default: semicolon with lang=fr (Excel in French locales), else comma. */
                sep?: "comma" | "semicolon";
                /** @description End of the period (exclusive date-time; a date alone includes that whole day). Default: now. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document (JSON shape shown; CSV and PDF carry the same content) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionReportDto"];
                    "application/pdf": components["schemas"]["RetentionReportDto"];
                    "text/csv": components["schemas"]["RetentionReportDto"];
                };
            };
            /** @description Unsupported format (REPORT_FORMAT_UNSUPPORTED, details.supported), bad dates or from > to */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Only dpo and auditor keys may export reports */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED (before the first byte): the audit trail was cut below a signed checkpoint, so the download cannot be recorded; the integrity report is served instead, stating the cut */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description A data source of the report is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ReportsController_ropa: {
        parameters: {
            query?: {
                /** @description Document format; each report lists the ones it supports (others are a 400) */
                format?: "json" | "csv" | "pdf" | "xlsx";
                /** @description Start of the period (ISO-8601 date or date-time, inclusive). Default: 30 days before `to`. */
                from?: string;
                /** @description Labels language. Default: fr for the CNIL layouts (xlsx, layout=cnil), en otherwise */
                lang?: "en" | "fr";
                /** @description Record of processing, PDF only: `cnil` lays it out as the CNIL model (cover, contents, one fiche per activity as tables, embedded fonts). The xlsx workbook always follows the CNIL model. */
                layout?: "standard" | "cnil";
                /** @description CSV separator. Default: semicolon with lang=fr (Excel in French locales), else comma. */
                sep?: "comma" | "semicolon";
                /** @description End of the period (exclusive date-time; a date alone includes that whole day). Default: now. */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document (JSON shape shown; CSV and PDF carry the same content) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RopaReportDto"];
                    "application/pdf": components["schemas"]["RopaReportDto"];
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": components["schemas"]["RopaReportDto"];
                    "text/csv": components["schemas"]["RopaReportDto"];
                };
            };
            /** @description Unsupported format (REPORT_FORMAT_UNSUPPORTED, details.supported), bad dates or from > to */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": components["schemas"]["ErrorBodyDto"];
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/pdf": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": components["schemas"]["ErrorBodyDto"];
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "text/csv": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Only dpo and auditor keys may export reports */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description AUDIT_TRAIL_TRUNCATED (before the first byte): the audit trail was cut below a signed checkpoint, so the download cannot be recorded; the integrity report is served instead, stating the cut */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description A data source of the report is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_callback: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookCallbackDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallbackAcceptedDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Unknown or already used token */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_overdue: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OverdueResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionPresetsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionPresetListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_rules: {
        parameters: {
            query?: {
                system?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionRulesResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_list: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                kind?: "on_demand" | "scheduled" | "erasure" | "consent_withdrawal";
                /** @description Page size */
                limit?: number;
                status?: "queued" | "running" | "waiting" | "completed" | "failed" | "cancelled";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionRunPageDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateRetentionRunDto"];
            };
        };
        responses: {
            /** @description Queued; follow it with GET /retention/runs/{id} */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionRunResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description A purge of one of these datasets is in progress */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Retention run id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionRunResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Retention run id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RetentionRunResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Already finished */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_tasks: {
        parameters: {
            query?: {
                status?: "open" | "done" | "cancelled" | "all";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ManualTaskListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RetentionController_completeTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Manual task id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompleteManualTaskDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ManualTaskResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Task already closed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ConsentsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Data subject id as known to the calling systems (1–200 printable characters) */
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubjectConsentsDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ConsentsController_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Data subject id as known to the calling systems (1–200 printable characters) */
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecordConsentDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsentRecordDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Application not authorised for the purpose */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Unknown purpose, not consent-based, not active, bad version, proof too large */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ErasureController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErasureRequestListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ErasureController_request: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RequestErasureDto"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErasureRequestResponseDto"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    ErasureController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Erasure request id */
                requestId: string;
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErasureRequestResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    InteractionsController_record: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Data subject id */
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecordInteractionDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InteractionRecordDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description occurredAt in the future */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RestrictionsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Data subject id */
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SubjectRestrictionsDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RestrictionsController_set: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Data subject id */
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateRestrictionDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RestrictionResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description An application naming a purpose it is not authorised for (RESTRICTION_PURPOSE_NOT_AUTHORISED, whether the purpose exists or not), or omitting purposes (RESTRICTION_PURPOSES_REQUIRED: only a DPO restricts all) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such resource (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 404,
                     *       "error": "NOT_FOUND",
                     *       "message": "Not found"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Unknown purpose */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    RestrictionsController_lift: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Restriction or objection id */
                restrictionId: string;
                /** @description Data subject id */
                subjectId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LiftRestrictionDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RestrictionResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Already lifted */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SystemListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateSystemDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SystemResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Code already used */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Property not allowed for this kind */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SystemResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_delete: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The system still has datasets */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description Expected current version, e.g. "2"; a stale one is a 412 */
                "If-Match"?: string;
            };
            path: {
                /** @description System code */
                code: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateSystemDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SystemResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description If-Match version is stale */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Property not allowed for this kind */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_listDatasets: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetListDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_createDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateDatasetDto"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Dataset already declared */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_getDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
                /** @description Dataset name (`schema.table`) */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_deleteDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
                /** @description Dataset name (`schema.table`) */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The dataset still has fields */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_updateDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
                /** @description Dataset name (`schema.table`) */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateDatasetDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetResponseDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
    SystemsController_scan: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description System code */
                code: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScanSystemDto"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScanResultDto"];
                };
            };
            /** @description Malformed JSON, path parameter, query or body (one `details` entry per invalid property) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 400,
                     *       "error": "VALIDATION_FAILED",
                     *       "message": "The request is invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No API key, a malformed Authorization header, or a revoked or expired key */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 401,
                     *       "error": "UNAUTHENTICATED",
                     *       "message": "Authenticate with Authorization: Bearer <API key>"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The caller's roles do not allow this action */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 403,
                     *       "error": "FORBIDDEN",
                     *       "message": "Not allowed"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description No such system or dataset */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The body is larger than BODY_LIMIT_BYTES */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 413,
                     *       "error": "PAYLOAD_TOO_LARGE",
                     *       "message": "The request body is too large"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Not a postgres system, or no connection */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description Rate limited: too many requests for this API key (`RATE_LIMITED`), or too many failed authentications from this client (`AUTHENTICATION_THROTTLED`); retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "statusCode": 429,
                     *       "error": "RATE_LIMITED",
                     *       "message": "Too many requests for this API key; retry after the delay in Retry-After"
                     *     }
                     */
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
            /** @description The system database is unreachable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBodyDto"];
                };
            };
        };
    };
}
