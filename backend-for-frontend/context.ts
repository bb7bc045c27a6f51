/** What every route of the BFF is built with: configuration and the long-lived services. */
import type { Logger } from 'pino';
import type { BffConfig } from './config.js';
import type { DpopVerifier } from './dpop/proof.js';
import type { FlowService } from './flows/flow-service.js';
import type { UnattendedReads } from './partner/unattended-reads.js';
import type { Registry } from './registry.js';
import type { SessionService } from './sessions/session-service.js';
import type { TokenSealer } from './sessions/sealing.js';
import type { SessionStore } from './sessions/store.js';
import type { BankClient } from './stet/bank-client.js';
import type { WebhookPublisher } from './webhooks/publisher.js';

export interface BffContext {
  config: BffConfig;
  logger: Logger;
  registry: Registry;
  banks: ReadonlyMap<string, BankClient>;
  store: SessionStore;
  sealer: TokenSealer;
  sessions: SessionService;
  flows: FlowService;
  /** Verifies the DPoP proofs of the browser routes (RFC 9449). */
  dpop: DpopVerifier;
  /** Reads without the customer: the RTS budget and the sealed cache of last answers. */
  unattended: UnattendedReads;
  /**
   * Records webhook events for the partner's endpoints (`BFF_WEBHOOK_URLS`): the session events
   * come from the services; other parts of the BFF publish theirs here. With no endpoints
   * configured it records nothing.
   */
  webhooks: WebhookPublisher;
  now: () => number;
}
