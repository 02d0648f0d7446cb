import { Injectable } from '@nestjs/common';
import type { RetentionDatasetPlan } from '../../../inventory/inventory.types';
import type { RetentionRunDatasetEntity } from '../../entities/retention-run-dataset.entity';
import type { RetentionRunEntity } from '../../entities/retention-run.entity';
import { RunDatasetRepository } from '../../ledger/run-dataset.repository';
import {
  DatasetStart,
  nothingToSettle,
  SubjectValues,
  subjectValuesNotSupported,
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

  settle = nothingToSettle;

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
    return subjectValuesNotSupported(plan, 'is a webhook system');
  }
}
