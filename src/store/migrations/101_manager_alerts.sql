-- The manager's alert store (Alertmanager's alert provider), one row per fingerprint.
-- Times are ms since the epoch; `timeout`: ends_at came from resolve_timeout.
CREATE TABLE IF NOT EXISTS manager_alerts (
  fingerprint    CHAR(16)     NOT NULL,
  labels         LONGTEXT     NOT NULL,
  annotations    LONGTEXT     NOT NULL,
  starts_at      BIGINT       NOT NULL,
  ends_at        BIGINT       NOT NULL,
  updated_at     BIGINT       NOT NULL,
  timeout        TINYINT(1)   NOT NULL DEFAULT 0,
  generator_url  TEXT         NOT NULL,
  PRIMARY KEY (fingerprint),
  KEY ix_manager_alerts_ends_at (ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
