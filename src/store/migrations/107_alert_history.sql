-- One row per episode of an alert (fingerprint + startsAt), written by the manager as alerts
-- arrive: the tenant API's alert history. ends_at follows the alert's endsAt; `resolved` is
-- set once an event said the alert ended (not merely a resolve_timeout estimate).
CREATE TABLE IF NOT EXISTS alert_history (
  tenant       VARCHAR(64)  NOT NULL,
  fingerprint  CHAR(16)     NOT NULL,
  starts_at    BIGINT       NOT NULL,
  ends_at      BIGINT       NOT NULL,
  resolved     TINYINT(1)   NOT NULL DEFAULT 0,
  alertname    VARCHAR(255) NOT NULL DEFAULT '',
  policy_id    CHAR(36)     NULL,
  labels       LONGTEXT     NOT NULL,
  annotations  LONGTEXT     NOT NULL,
  PRIMARY KEY (tenant, fingerprint, starts_at),
  KEY ix_alert_history_tenant_time (tenant, starts_at),
  KEY ix_alert_history_ends_at (ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
