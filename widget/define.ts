/**
 * The one module with a side effect: importing it registers `<bank-connect>` (once per page).
 * The drop-in bundle is built from it.
 */
import { defineBankConnect } from './registration.js';

export { BankConnect } from './bank-connect.js';
export { defineBankConnect, TAG_NAME } from './registration.js';

defineBankConnect();
