/** Progress lines go to stderr, so that stdout holds only the report. */
export const log = (message: string): void => {
  process.stderr.write(`[bench:access] ${message}\n`);
};
