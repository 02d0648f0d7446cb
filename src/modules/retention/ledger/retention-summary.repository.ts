import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What the reports read: per system/dataset volumes of the runs in a period, and failures. */
export interface RetentionSummary {
  runs: number;
  failedRuns: number;
  rows: {
    systemCode: string;
    datasetId: string;
    datasetName: string;
    deleted: number;
    anonymised: number;
    held: number;
    errors: number;
  }[];
  failures: {
    runId: string;
    systemCode: string | null;
    datasetId: string | null;
    datasetName: string | null;
    message: string;
  }[];
}

/** The retention report's aggregates, in SQL. */
@Injectable()
export class RetentionSummaryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs created in [from, to), aggregated in SQL (one join, GROUP BY: flat in memory and one
   * parameter pair whatever the number of runs). `runs` counts every run of the period, dry runs
   * included; the volumes, `failedRuns` and the `failures` list are purges only: a dry run changes
   * nothing, so neither its counts nor its failures are retention outcomes.
   */
  async summarise(from: Date, to: Date): Promise<RetentionSummary> {
    const [counts] = await this.dataSource.query<{ runs: number; failed_runs: number }[]>(
      `SELECT count(*)::int AS runs,
              count(*) FILTER (WHERE r.status = 'failed' AND NOT r.dry_run)::int AS failed_runs
         FROM retention_run r
        WHERE r.created_at >= $1 AND r.created_at < $2`,
      [from, to],
    );
    const volumes = await this.dataSource.query<
      {
        system_code: string;
        dataset_id: string;
        dataset_name: string;
        deleted: string;
        anonymised: string;
        held: string;
        errors: string;
      }[]
    >(
      `SELECT rd.dataset_id,
              (array_agg(rd.system_code ORDER BY r.created_at DESC, r.id DESC))[1] AS system_code,
              (array_agg(rd.dataset_name ORDER BY r.created_at DESC, r.id DESC))[1] AS dataset_name,
              sum(rd.rows_deleted)::text AS deleted, sum(rd.rows_anonymised)::text AS anonymised,
              sum(rd.rows_held)::text AS held, sum(rd.errors)::text AS errors
         FROM retention_run r
         JOIN retention_run_dataset rd ON rd.run_id = r.id
        WHERE r.created_at >= $1 AND r.created_at < $2 AND NOT r.dry_run
        GROUP BY rd.dataset_id`,
      [from, to],
    );
    const failures = await this.dataSource.query<
      {
        run_id: string;
        system_code: string;
        dataset_id: string;
        dataset_name: string;
        error: string | null;
      }[]
    >(
      `SELECT rd.run_id, rd.system_code, rd.dataset_id, rd.dataset_name, rd.error
         FROM retention_run r
         JOIN retention_run_dataset rd ON rd.run_id = r.id
        WHERE r.created_at >= $1 AND r.created_at < $2 AND NOT r.dry_run AND rd.status = 'failed'
        ORDER BY r.created_at, r.id, rd.position`,
      [from, to],
    );
    return {
      runs: counts.runs,
      failedRuns: counts.failed_runs,
      rows: volumes
        .map((v) => ({
          systemCode: v.system_code,
          datasetId: v.dataset_id,
          datasetName: v.dataset_name,
          deleted: Number(v.deleted),
          anonymised: Number(v.anonymised),
          held: Number(v.held),
          errors: Number(v.errors),
        }))
        .sort((a, b) => `${a.systemCode}/${a.datasetName}`.localeCompare(`${b.systemCode}/${b.datasetName}`)),
      failures: failures.map((f) => ({
        runId: f.run_id,
        systemCode: f.system_code,
        datasetId: f.dataset_id,
        datasetName: f.dataset_name,
        message: f.error ?? 'failed',
      })),
    };
  }
}
