export { type Consent, ConsentService } from './consent-service.ts';
