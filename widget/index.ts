/**
 * The ES entry: the element class, its types and `defineBankConnect`. Importing it registers
 * nothing; call `defineBankConnect()` or import `define.js` for the side effect.
 */
export { BankConnect, type BankConnectView } from './bank-connect.js';
export { BankConnectError, type BankConnectErrorCode, type WidgetErrorCode } from './errors.js';
export type {
  BankConnectEventMap,
  CancelDetail,
  CancelReason,
  ErrorDetail,
  FlowStep,
  StepDetail,
  StepName,
  SuccessDetail,
} from './events.js';
export type { Lang } from './locales/translate.js';
export type { MessageKey, Messages } from './locales/fr.js';
export { defineBankConnect, TAG_NAME } from './registration.js';
/** The BFF contract's types (`AccountList`, `ApiError`…), for pages that call the BFF. */
export type * from './contract.js';
