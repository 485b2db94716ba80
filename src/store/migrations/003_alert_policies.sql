-- The tenant API's alert policies, the tags of tenants' machines, and per-tenant limits of
-- the policy API (NULL: the server default). A policy's validated body is kept as JSON in
-- `spec`; the columns beside it are what queries filter on.
CREATE TABLE IF NOT EXISTS alert_policies (
  id          CHAR(36)     NOT NULL,
  tenant_id   VARCHAR(64)  NOT NULL,
  spec        LONGTEXT     NOT NULL,
  enabled     TINYINT(1)   NOT NULL DEFAULT 1,
  revision    INT UNSIGNED NOT NULL DEFAULT 1,
  created_at  BIGINT       NOT NULL,
  updated_at  BIGINT       NOT NULL,
  PRIMARY KEY (id),
  KEY ix_alert_policies_tenant (tenant_id, created_at),
  CONSTRAINT fk_alert_policies_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tenant_machine_tags (
  tenant_id   VARCHAR(64)  NOT NULL,
  machine_id  VARCHAR(255) NOT NULL,
  tag         VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, machine_id, tag),
  KEY ix_tenant_machine_tags_tag (tenant_id, tag),
  CONSTRAINT fk_tenant_machine_tags_machine FOREIGN KEY (tenant_id, machine_id)
    REFERENCES tenant_machines (tenant_id, machine_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tenant_policy_limits (
  tenant_id            VARCHAR(64)  NOT NULL,
  max_policies         INT UNSIGNED NULL,
  max_targets          INT UNSIGNED NULL,
  max_machines         INT UNSIGNED NULL,
  updated_at           TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (tenant_id),
  CONSTRAINT fk_tenant_policy_limits_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
