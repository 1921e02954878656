-- A ledger of schema version 2, as version 2 of thidua wrote it (tests/test_ledger.py migrates it).
-- Never edit: a later version adds its own file (v3.sql, ...).
PRAGMA application_id = 1413762119;
PRAGMA user_version = 2;
BEGIN TRANSACTION;
CREATE TABLE feedback (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            unit_code TEXT NOT NULL,
            fingerprint TEXT NOT NULL,        -- the feedback workbook's content, not its bytes
            PRIMARY KEY (run_id, unit_code)
        );
INSERT INTO "feedback" VALUES(1,'943','f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1');
CREATE TABLE inputs (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            file TEXT NOT NULL, sha256 TEXT NOT NULL, unit_code TEXT NOT NULL, status TEXT NOT NULL,
            rows INTEGER NOT NULL
        );
INSERT INTO "inputs" VALUES(1,'Kế Sách.xlsx','abababababababababababababababababababababababababababababababab','943','processed',12);
CREATE TABLE nominations (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            unit_code TEXT NOT NULL, kind TEXT NOT NULL, level TEXT, award TEXT,
            name TEXT NOT NULL, name_key TEXT NOT NULL,   -- name_key: the normalised name of the identity
            status TEXT NOT NULL, score REAL, file TEXT, sheet TEXT, row INTEGER
        );
INSERT INTO "nominations" VALUES(1,'943','individual','xa','BK_MTTQ_TINH','Nguyễn Văn An','nguyễn văn an','proposed',92.5,'Kế Sách.xlsx','Đề nghị cá nhân',9);
INSERT INTO "nominations" VALUES(1,'943','collective','xa','BK_MTTQ_TINH','Ủy ban MTTQ xã Đại Hải','ủy ban mttq xã đại hải','over_quota',88.0,'Kế Sách.xlsx','Đề nghị tập thể',9);
CREATE TABLE quotas (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            scope TEXT NOT NULL, cluster TEXT, unit_code TEXT, kind TEXT NOT NULL, level TEXT NOT NULL,
            award TEXT NOT NULL, quota INTEGER NOT NULL, submitted INTEGER, proposed INTEGER
        );
INSERT INTO "quotas" VALUES(1,'unit',NULL,'943','collective','xa','BK_MTTQ_TINH',2,3,2);
CREATE TABLE rankings (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            level TEXT NOT NULL, unit_code TEXT NOT NULL, name TEXT NOT NULL, score REAL, rank INTEGER,
            cluster TEXT, cluster_rank INTEGER,
            awards TEXT NOT NULL              -- JSON list of award codes
        );
INSERT INTO "rankings" VALUES(1,'huyen','943','Huyện Kế Sách',91.0,1,NULL,NULL,'["CO_XSTD"]');
CREATE TABLE register (
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL,
            issuer TEXT NOT NULL,             -- tinh | ubnd | tw: who signed the decision
            number INTEGER NOT NULL,          -- Số vào sổ, sequential per year and issuer
            award TEXT NOT NULL, kind TEXT NOT NULL, level TEXT,
            recipient TEXT NOT NULL, name_key TEXT NOT NULL,
            unit_code TEXT NOT NULL, unit_name TEXT NOT NULL, detail TEXT NOT NULL, achievement TEXT NOT NULL,
            decision_number TEXT NOT NULL,
            decision_date TEXT NOT NULL,      -- ISO date
            run_folder TEXT NOT NULL,         -- the run the recipients came from
            revokes INTEGER,                  -- the number this entry revokes (same year and issuer)
            reason TEXT NOT NULL DEFAULT '',
            gender TEXT NOT NULL DEFAULT '',  -- Nam | Nữ for a person: "Ông", "Bà" on the certificate
            recorded TEXT NOT NULL,           -- ISO time the clerk recorded it
            UNIQUE (year, issuer, number)
        );
INSERT INTO "register" VALUES(1,2023,'tinh',1,'BK_MTTQ_TINH','individual','xa','Nguyễn Văn An','nguyễn văn an','943','Huyện Kế Sách','Chủ tịch Ủy ban MTTQ Việt Nam xã Đại Hải','Đã có thành tích xuất sắc trong phong trào thi đua năm 2023','125/QĐ-MTTQ-BTT','2023-12-20','2023-11-30_0915',NULL,'','Nam','2023-12-21T09:00:00');
CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            folder TEXT NOT NULL UNIQUE,      -- the run folder's name, e.g. 2026-11-30_0915
            year INTEGER NOT NULL,
            round TEXT NOT NULL,
            config_hash TEXT,
            started TEXT NOT NULL,            -- ISO time the run started (an imported run: its folder's time)
            summary TEXT NOT NULL,            -- JSON, as in ket_qua.json
            fingerprint TEXT,                 -- the leadership mail's content; NULL for an imported run
            imported INTEGER NOT NULL DEFAULT 0
        );
INSERT INTO "runs" VALUES(1,'2023-11-30_0915',2023,'tong-ket','c0ffee','2023-11-30T09:15:00','{"nominations": 2}','f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2f2',0);
CREATE TABLE sent (
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,          -- "unit:<code>" or "leadership", as the send log names them
            year INTEGER NOT NULL, round TEXT NOT NULL,
            run_folder TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            time TEXT NOT NULL
        );
INSERT INTO "sent" VALUES(1,'unit:943',2023,'tong-ket','2023-11-30_0915','f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1','2023-11-30T10:00:00');
CREATE INDEX runs_campaign ON runs (year, round, started);
CREATE INDEX sent_recipient ON sent (year, round, recipient, id);
CREATE INDEX nominations_run ON nominations (run_id);
CREATE INDEX rankings_run ON rankings (run_id);
CREATE INDEX quotas_run ON quotas (run_id);
CREATE INDEX inputs_run ON inputs (run_id);
CREATE INDEX register_recipient ON register (year, award, name_key);
CREATE TRIGGER register_never_edited BEFORE UPDATE ON register
            BEGIN SELECT RAISE(ABORT, 'register entries are never edited'); END;
CREATE TRIGGER register_never_removed BEFORE DELETE ON register
            BEGIN SELECT RAISE(ABORT, 'register entries are never removed'); END;
COMMIT;
