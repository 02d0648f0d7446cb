/** Options of one dispatched job; the same meaning on BullMQ and in process. */
export interface JobOptions {
  /** Deterministic id: a job with the id of a pending one is not queued twice. */
  jobId?: string;
  delayMs?: number;
  /** Total attempts (1 = no retry). */
  attempts?: number;
  /** First retry delay; doubled at each further attempt. */
  backoffMs?: number;
}

export interface JobContext {
  /** 1 for the first attempt. */
  attempt: number;
  /** True when this is the last attempt a failure would consume. */
  lastAttempt: boolean;
}

export type JobHandler<T = unknown> = (data: T, context: JobContext) => Promise<void>;

/** A recurring job: `id` is the scheduler id (one per system for retention). */
export interface JobSchedule {
  id: string;
  cron: string;
  jobName: string;
  data: Record<string, unknown>;
}
