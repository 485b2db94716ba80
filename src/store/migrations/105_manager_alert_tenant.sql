-- The tenant of each stored alert (its `tenant` label, '' for none), so the tenant API lists
-- a tenant's alerts by index and never by parsing every row's labels.
ALTER TABLE manager_alerts ADD COLUMN tenant VARCHAR(64) NOT NULL DEFAULT '', ADD KEY ix_manager_alerts_tenant (tenant, ends_at);
