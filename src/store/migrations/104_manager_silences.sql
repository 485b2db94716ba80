-- Silences: matchers (JSON array of {name, type, value}), the active range, who and why.
CREATE TABLE IF NOT EXISTS manager_silences (
  id          CHAR(36)     NOT NULL,
  matchers    LONGTEXT     NOT NULL,
  starts_at   BIGINT       NOT NULL,
  ends_at     BIGINT       NOT NULL,
  updated_at  BIGINT       NOT NULL,
  created_by  VARCHAR(255) NOT NULL,
  comment     TEXT         NOT NULL,
  PRIMARY KEY (id),
  KEY ix_manager_silences_ends_at (ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
