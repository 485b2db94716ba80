-- The notification log (Alertmanager's nflog): what each aggregation group last told each
-- receiver integration, the firing and resolved fingerprints (JSON arrays), when, and until
-- when the entry is kept.
CREATE TABLE IF NOT EXISTS manager_nflog (
  group_id         CHAR(64)     NOT NULL,
  receiver         VARCHAR(255) NOT NULL,
  integration      VARCHAR(64)  NOT NULL,
  idx              INT UNSIGNED NOT NULL,
  group_key        TEXT         NOT NULL,
  firing_alerts    LONGTEXT     NOT NULL,
  resolved_alerts  LONGTEXT     NOT NULL,
  notified_at      BIGINT       NOT NULL,
  expires_at       BIGINT       NOT NULL,
  PRIMARY KEY (group_id, receiver, integration, idx),
  KEY ix_manager_nflog_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
