import type { Provider } from '@nestjs/common';
import { DirectoryMirror } from './directory-mirror.service.js';
import { PlanApplier } from './plan-applier.service.js';
import { UserBatchDeleteApi } from './user-batch-delete.api.js';

/** The planning and mirroring providers (`BatchService.planDirectory` / `applyPlan` / `mirrorDirectory`). */
export const MIRROR_PROVIDERS: Provider[] = [UserBatchDeleteApi, PlanApplier, DirectoryMirror];
