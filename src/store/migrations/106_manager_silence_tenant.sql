-- Silences a tenant created through the tenant API carry its id (NULL: an operator's silence,
-- made through API v2); such a silence always also has the matcher tenant="<id>".
ALTER TABLE manager_silences ADD COLUMN tenant VARCHAR(64) NULL, ADD KEY ix_manager_silences_tenant (tenant, ends_at);
