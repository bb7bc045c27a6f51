/**
 * The BFF contract's types, as the widget sees them: the one way browser code reaches the
 * contract (`backend-for-frontend/contract/`), by types only, which costs no byte. The published
 * package carries these types flattened, so that its users need neither zod nor the BFF.
 */
export type * from '../backend-for-frontend/contract/schemas.js';
export type { ErrorCode } from '../backend-for-frontend/contract/errors.js';
