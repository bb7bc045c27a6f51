/**
 * `@bank-connect/widget/client`: the data of a connected session, read from the page that
 * connected it. Small and separate from the element: importing it registers nothing and brings
 * neither Lit nor the element.
 */
export {
  createBankConnectClient,
  type BankConnectClient,
  type BankConnectClientOptions,
} from './client/bank-connect-client.js';
export type { RetryPolicy } from './client/retry-policy.js';
export { BankConnectError, type BankConnectErrorCode, type WidgetErrorCode } from './errors.js';
/** The BFF contract's types (`AccountList`, `TransactionPage`…) the client answers. */
export type * from './contract.js';
