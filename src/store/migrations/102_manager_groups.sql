-- Aggregation groups: one per (route, group labels). `next_flush_at` drives group_wait and
-- group_interval; the lease (owner, until) lets exactly one live manager flush a group, and
-- passes it on when the owner stops renewing. Members are the alerts the group holds.
CREATE TABLE IF NOT EXISTS manager_groups (
  id             CHAR(64)     NOT NULL,
  group_key      TEXT         NOT NULL,
  route_id       TEXT         NOT NULL,
  receiver       VARCHAR(255) NOT NULL,
  group_labels   LONGTEXT     NOT NULL,
  created_at     BIGINT       NOT NULL,
  next_flush_at  BIGINT       NOT NULL,
  has_flushed    TINYINT(1)   NOT NULL DEFAULT 0,
  lease_owner    VARCHAR(255) NULL,
  lease_until    BIGINT       NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY ix_manager_groups_next_flush (next_flush_at),
  KEY ix_manager_groups_lease_owner (lease_owner)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS manager_group_alerts (
  group_id     CHAR(64)  NOT NULL,
  fingerprint  CHAR(16)  NOT NULL,
  PRIMARY KEY (group_id, fingerprint),
  KEY ix_manager_group_alerts_fingerprint (fingerprint)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
