/** The one BullMQ queue of the service. */
export const JOBS_QUEUE = 'finalite-jobs';
