export { createOneToManyApp, createOneToOneApp, type BatchAppOptions, type BatchContext } from './app.ts';
export { DEFAULT_MAX_BODY_BYTES } from './read-body.ts';
export { deadLetterOf, isRefusal, refuse, type Refusal } from './refusal.ts';
export { BATCH_FUNCTIONS, isBatchFunctionName, type BatchFunctionName } from './names.ts';
