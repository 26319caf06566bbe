/**
 * The admin listener: {@link dev.nexus.server.admin.AdminServer} serves the routes of an
 * {@link dev.nexus.server.admin.AdminRouter} (probes, metrics, and whatever components register),
 * guarded by the admin token; {@link dev.nexus.server.admin.ReadinessChecks} backs {@code /readyz}.
 */
package dev.nexus.server.admin;
