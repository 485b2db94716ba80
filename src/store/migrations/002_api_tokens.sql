-- API tokens: only the SHA-256 of a token is stored; `prefix` (its first characters) lets
-- people tell tokens apart. A machine-restricted token may write only series of machines
-- its tenant owns (tenant_machines), further narrowed by machine_allow_list when set
-- (a JSON array of machine ids).
CREATE TABLE IF NOT EXISTS api_tokens (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  token_hash          BINARY(32)   NOT NULL,
  prefix              VARCHAR(16)  NOT NULL,
  tenant_id           VARCHAR(64)  NOT NULL,
  scopes              SET('read','write') NOT NULL,
  description         VARCHAR(255) NOT NULL DEFAULT '',
  machine_restricted  TINYINT(1)   NOT NULL DEFAULT 0,
  machine_allow_list  TEXT         NULL,
  created_at          TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  revoked_at          TIMESTAMP(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_api_tokens_hash (token_hash),
  KEY ix_api_tokens_tenant (tenant_id),
  CONSTRAINT fk_api_tokens_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
