import type { DeadLetter, PipelineStage } from '../../../schemas/dead-letter.ts';

/** What an element handler returns to refuse its element; the batch app turns it into a DeadLetter verdict. */
export interface Refusal {
  readonly refused: true;
  readonly reasonCode: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export function refuse(reasonCode: string, message: string, details?: Record<string, unknown>): Refusal {
  return details === undefined ? { refused: true, reasonCode, message } : { refused: true, reasonCode, message, details };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && (value as { refused?: unknown }).refused === true;
}

export function deadLetterOf(stage: PipelineStage, refusal: Refusal, original: unknown, failedAt: number): DeadLetter {
  const letter: DeadLetter = { schemaVersion: 1, stage, reasonCode: refusal.reasonCode, message: refusal.message.slice(0, 2000), original, failedAt };
  if (refusal.details !== undefined) letter.details = refusal.details;
  return letter;
}
