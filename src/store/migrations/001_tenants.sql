-- Tenants, the machines each owns, and per-tenant ingest limits (NULL: the server default).
CREATE TABLE IF NOT EXISTS tenants (
  id          VARCHAR(64)  NOT NULL,
  name        VARCHAR(255) NOT NULL DEFAULT '',
  enabled     TINYINT(1)   NOT NULL DEFAULT 1,
  created_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tenant_machines (
  tenant_id   VARCHAR(64)  NOT NULL,
  machine_id  VARCHAR(255) NOT NULL,
  created_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (tenant_id, machine_id),
  CONSTRAINT fk_tenant_machines_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tenant_limits (
  tenant_id           VARCHAR(64) NOT NULL,
  max_series          INT UNSIGNED NULL,
  samples_per_second  DOUBLE       NULL,
  burst_samples       INT UNSIGNED NULL,
  max_body_bytes      INT UNSIGNED NULL,
  updated_at          TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (tenant_id),
  CONSTRAINT fk_tenant_limits_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
