import type { ClientRegistry } from '../broker/index.ts';
import { GovbridgeError } from '../kernel/index.ts';
import type { AgencyRegistry, NotificationOperator } from '../notifications/index.ts';
import type { Actor, AuditTrail } from './audit-trail.ts';

export interface OperatorActionsOptions {
  clients: ClientRegistry;
  agencies: AgencyRegistry;
  notifications: NotificationOperator;
  audit: AuditTrail;
}

/**
 * What an operator can change, in one place for the console, the CLI and the operator API: each
 * action checks its precondition, changes one thing, and is recorded in the audit trail with who did
 * it. Only a change is recorded (approving an already approved client changes nothing and says so).
 * The action and its record are two commits: if the record cannot be written the action stands and
 * the caller gets the error (and the `operator_action` log line is missing: the log pipeline alerts).
 */
export class OperatorActions {
  readonly #o: OperatorActionsOptions;

  constructor(options: OperatorActionsOptions) {
    this.#o = options;
  }

  get audit(): AuditTrail {
    return this.#o.audit;
  }

  /**
   * Approve a pending relying party — only the registration the operator saw (`version` = its
   * `updatedAt`): if it re-registered since, nothing is approved and the answer is `changed`.
   */
  async approveClient(
    actor: Actor,
    clientId: string,
    version?: number,
  ): Promise<'approved' | 'changed' | 'not_pending'> {
    const client = await this.#client(clientId);
    if (client.status !== 'pending') return 'not_pending';
    if (version !== undefined && client.updatedAt !== version) return 'changed';
    if (!(await this.#o.clients.approve(clientId, version))) {
      const now = await this.#o.clients.get(clientId);
      return now?.status === 'pending' ? 'changed' : 'not_pending';
    }
    await this.#o.audit.append(actor, 'client.approve', clientId, {
      version: client.updatedAt,
      country: client.country,
      environment: client.environment,
      minAcr: client.minAcr,
      attributes: client.attributes.join(' '),
    });
    return 'approved';
  }

  async suspendClient(actor: Actor, clientId: string): Promise<boolean> {
    await this.#client(clientId);
    if (!(await this.#o.clients.suspend(clientId))) return false;
    await this.#o.audit.append(actor, 'client.suspend', clientId);
    return true;
  }

  async resumeClient(actor: Actor, clientId: string): Promise<boolean> {
    await this.#client(clientId);
    if (!(await this.#o.clients.resume(clientId))) return false;
    await this.#o.audit.append(actor, 'client.resume', clientId);
    return true;
  }

  async setAgencyStatus(actor: Actor, agencyId: string, status: 'active' | 'suspended'): Promise<boolean> {
    const agency = await this.#o.agencies.get(agencyId);
    if (!agency) throw new GovbridgeError('not_found', `No agency "${agencyId}"`);
    if (agency.status === status) return false;
    await this.#o.agencies.setStatus(agencyId, status);
    await this.#o.audit.append(actor, status === 'suspended' ? 'agency.suspend' : 'agency.resume', agencyId);
    return true;
  }

  /** Send dead letters again (one notification, or all of an agency's). The number replayed. */
  async replay(actor: Actor, filter: { notificationId?: string; agencyId?: string }): Promise<number> {
    const n = await this.#o.notifications.replay(filter);
    if (n > 0) {
      await this.#o.audit.append(
        actor,
        filter.notificationId ? 'notification.replay' : 'agency.replay',
        filter.notificationId ?? filter.agencyId ?? '',
        { replayed: n },
      );
    }
    return n;
  }

  async #client(clientId: string) {
    const client = await this.#o.clients.get(clientId);
    if (!client) throw new GovbridgeError('not_found', `No relying party "${clientId}"`);
    return client;
  }
}
