export type * from './assertions.ts';
