import type { RetentionDatasetPlan, RetentionPlanFilter } from '../inventory/inventory.types';

/**
 * The register as the retention engine reads it: bound to InventoryReadModel.getRetentionPlan in
 * RetentionModule (a port, so the engine's tests and benchmark can feed a plan directly).
 */
export abstract class RetentionPlanSource {
  abstract getRetentionPlan(filter?: RetentionPlanFilter): Promise<RetentionDatasetPlan[]>;
  /** A system's decrypted connection string (null: unknown system or none), even with no dataset left. */
  abstract systemConnectionString(systemCode: string): Promise<string | null>;
}
