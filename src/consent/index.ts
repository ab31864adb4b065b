export {
  type Consent,
  type ConsentObserver,
  ConsentService,
  type ConsentServiceOptions,
  type WithdrawalStep,
} from './consent-service.ts';
export {
  type ConsentEvent,
  type ConsentEventErrorHandler,
  type ConsentEventHandler,
  ConsentEvents,
  type ConsentEventType,
  type ConsentWithdrawn,
} from './events.ts';
