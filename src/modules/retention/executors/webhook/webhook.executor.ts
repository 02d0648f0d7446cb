import { Injectable } from '@nestjs/common';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import {
  DatasetStart,
  RetentionOperationNotSupported,
  SettleOutcome,
  SubjectValues,
  SystemExecutor,
} from '../system-executor';
import { WebhookDeliveryService } from './webhook-delivery.service';

/** The `webhook` kind: the system purges itself on a signed request and calls back with its counts. */
@Injectable()
export class WebhookSystemExecutor implements SystemExecutor {
  readonly kind = 'webhook';

  constructor(
    private readonly deliveries: WebhookDeliveryService,
    private readonly datasets: RunDatasetRepository,
  ) {}

  settle(): Promise<SettleOutcome> {
    return Promise.resolve('settled'); // no batches of its own: the system reports once
  }

  async planDataset(
    _run: RetentionRunEntity,
    rd: RetentionRunDatasetEntity,
    plan: RetentionDatasetPlan,
  ): Promise<DatasetStart> {
    if (!plan.system.webhookUrl || !plan.system.webhookSecret) {
      rd.status = 'failed';
      await this.datasets.fail(rd.id, 'the system has no webhook URL or secret');
      return { outcome: 'done' };
    }
    await this.deliveries.start(rd);
    return { outcome: 'waiting' };
  }

  readSubjectValues(plan: RetentionDatasetPlan): Promise<SubjectValues> {
    return Promise.reject(
      new RetentionOperationNotSupported(
        `System ${plan.system.code} is a webhook system: Finalité cannot read its records`,
      ),
    );
  }
}
