import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  RETENTION_RUN_FINISHED_EVENT,
  type RetentionRunFinishedEvent,
} from '../retention/retention-runner.service';
import { ErasureService } from './erasure.service';

/** Retention events that concern art. 17 requests; the rule is ErasureService.recordRunOutcome. */
@Injectable()
export class ErasureRunListener {
  constructor(private readonly erasure: ErasureService) {}

  @OnEvent(RETENTION_RUN_FINISHED_EVENT, { async: true, suppressErrors: true })
  onRunFinished(event: RetentionRunFinishedEvent): Promise<void> {
    return this.erasure.recordRunOutcome(event);
  }
}
