/**
 * The composition root: the only place that knows every module. `context.ts` builds the services
 * (`openContext`, used by the server and the CLI), `http.ts` registers the HTTP features
 * (`buildApp`), `background.ts` starts and stops the background jobs.
 */
export type { BackgroundJobs } from './background.ts';
export { type AppContext, openContext } from './context.ts';
export { type BuiltApp, buildApp } from './http.ts';
