import { Injectable } from '@nestjs/common';
import type { Actor } from '../../../../policies/principal';
import { AuditService } from '../../../audit/audit.service';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type { ManualTaskEntity } from '../../entities/manual-task.entity';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { RetentionRunRepository } from '../../ledger/retention-run.repository';
import { RunLifecycle } from '../../ledger/run-lifecycle.service';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import { PurgeInputsReader } from '../../purge-inputs.reader';
import { describeFieldRule } from '../../retention-rule';
import {
  DatasetStart,
  nothingToSettle,
  SubjectValues,
  subjectValuesNotSupported,
  SystemExecutor,
} from '../system-executor';
import { ManualTaskRepository } from './manual-task.repository';

/** The `manual` kind: a task with instructions in plain words, completed by a person through the API. */
@Injectable()
export class ManualSystemExecutor implements SystemExecutor {
  readonly kind = 'manual';

  constructor(
    private readonly reader: PurgeInputsReader,
    private readonly runs: RetentionRunRepository,
    private readonly datasets: RunDatasetRepository,
    private readonly tasks: ManualTaskRepository,
    private readonly lifecycle: RunLifecycle,
    private readonly audit: AuditService,
  ) {}

  settle = nothingToSettle;

  async planDataset(
    run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetStart> {
    const rule = await this.reader.rule(run, plan);
    const { inputs, exemptions } = await this.reader.forRun(run, rule);
    // LEGAL HOLD, manual: held subjects are left out of the task, or listed to leave untouched.
    const subjects = inputs.subjectFilter?.filter((s) => !inputs.heldSubjects.includes(s)) ?? null;
    const lines = [
      `${run.dryRun ? 'Count (do not change)' : 'Purge'} in ${plan.system.code} / ${plan.dataset.name}:`,
      ...rule.fields.map((f) => `- ${describeFieldRule(f)}`),
      ...(subjects ? [`Only the records of the subjects listed with this task.`] : []),
      ...(inputs.wholeDatasetHeld ? ['A legal hold covers this dataset: change nothing and report 0.'] : []),
      ...(inputs.heldSubjects.length && !subjects
        ? [
            `Legal holds: leave the records of ${inputs.heldSubjects.length} held subject(s) untouched (listed with this task).`,
          ]
        : []),
    ];
    await this.runs.transaction(async (m) => {
      await this.tasks.insert(m, {
        runId: run.id,
        runDatasetId: rd.id,
        systemCode: plan.system.code,
        datasetId: plan.dataset.id,
        datasetName: plan.dataset.name,
        instructions: lines.join('\n'),
        // The subjects listed with the task: the only ones concerned (subject-level run), else
        // the held ones to leave untouched (the API returns them as excludeSubjectIds).
        subjectIds: subjects ?? (inputs.heldSubjects.length ? inputs.heldSubjects : null),
      });
      await this.datasets.transition({ id: rd.id }, 'awaitCallback', { exemptions, started: 'now' }, { m });
    });
    return { outcome: 'waiting' };
  }

  /** A person reports the task done: the dataset completes with the counts reported. */
  async completeTask(
    task: ManualTaskEntity,
    report: { deleted: number; anonymised: number; note?: string },
    actor: Actor,
  ): Promise<void> {
    await this.runs.transaction(async (m) => {
      await this.tasks.markDone(m, task.id, report, actor);
      await this.datasets.transition(
        { id: task.runDatasetId },
        'complete',
        { rowsDeleted: report.deleted, rowsAnonymised: report.anonymised },
        { m, onlyFrom: ['waiting'] },
      );
      await this.audit.recordInTransaction(m, {
        type: 'retention.batch',
        actor,
        target: { type: 'retention_run', id: task.runId },
        payload: {
          runId: task.runId,
          system: task.systemCode,
          datasetId: task.datasetId,
          dataset: task.datasetName,
          source: 'manual',
          taskId: task.id,
          deleted: report.deleted,
          anonymised: report.anonymised,
        },
      });
    });
    await this.lifecycle.finishIfDone(task.runId);
  }

  readSubjectValues(plan: RetentionDatasetPlan): Promise<SubjectValues> {
    return subjectValuesNotSupported(plan, 'is purged by hand');
  }
}
