import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  WECOM_BATCH_EVENTS,
  type BatchJobCompletedEvent,
  type BatchJobSubmittedEvent,
  type CallbackRejectedEvent,
} from 'nestjs-wecom-batch';

/** Records every event the module emits, as an app's listener would receive it. */
@Injectable()
export class EventRecorder {
  readonly submitted: BatchJobSubmittedEvent[] = [];
  readonly completed: BatchJobCompletedEvent[] = [];
  readonly failed: BatchJobCompletedEvent[] = [];
  readonly rejected: CallbackRejectedEvent[] = [];

  @OnEvent(WECOM_BATCH_EVENTS.JOB_SUBMITTED)
  onSubmitted(event: BatchJobSubmittedEvent): void {
    this.submitted.push(event);
  }

  @OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED)
  onCompleted(event: BatchJobCompletedEvent): void {
    this.completed.push(event);
  }

  @OnEvent(WECOM_BATCH_EVENTS.JOB_FAILED)
  onFailed(event: BatchJobCompletedEvent): void {
    this.failed.push(event);
  }

  @OnEvent(WECOM_BATCH_EVENTS.CALLBACK_REJECTED)
  onRejected(event: CallbackRejectedEvent): void {
    this.rejected.push(event);
  }
}
