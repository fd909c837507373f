import type { Provider } from '@nestjs/common';
import { ImportSlotService } from './import-slot.service.js';
import { JobSubmitter } from './job-submitter.service.js';

/** The providers of job submission (the import slot and the submitter), for the module's provider list. */
export const SUBMISSION_PROVIDERS: Provider[] = [ImportSlotService, JobSubmitter];
