/**
 * DER encoding of the ETSI QCStatements extension that eIDAS certificates for PSD2 carry.
 *
 * ETSI TS 119 495 §5.1 defines the PSD2 statement (roles of the PSP, the competent authority's
 * name and id); ETSI EN 319 412-5 §4.2 defines QcCompliance and QcType. Only the handful of
 * ASN.1 types these need (SEQUENCE, OBJECT IDENTIFIER, UTF8String) are encoded here.
 */

/** The X.509 extension that holds qualified-certificate statements (RFC 3739 §3.2.6). */
export const QC_STATEMENTS_OID = '1.3.6.1.5.5.7.1.3';

/** PSD2 roles of a payment service provider (ETSI TS 119 495 §5.1). */
export const PSD2_ROLES = {
  PSP_AS: '0.4.0.19495.1.1',
  PSP_PI: '0.4.0.19495.1.2',
  PSP_AI: '0.4.0.19495.1.3',
  PSP_IC: '0.4.0.19495.1.4',
} as const;

export type Psd2Role = keyof typeof PSD2_ROLES;

const QC_COMPLIANCE = '0.4.0.1862.1.1';
const QC_TYPE = '0.4.0.1862.1.6';
const QC_TYPE_ESEAL = '0.4.0.1862.1.6.2';
const QC_TYPE_WEB = '0.4.0.1862.1.6.3';
const PSD2_QC_STATEMENT = '0.4.0.19495.2';

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function encodeTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

function encodeSequence(...items: Buffer[]): Buffer {
  return encodeTlv(0x30, Buffer.concat(items));
}

function encodeUtf8(text: string): Buffer {
  return encodeTlv(0x0c, Buffer.from(text, 'utf8'));
}

function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift((value & 0x7f) | 0x80);
    }
    bytes.push(...chunk);
  }
  return encodeTlv(0x06, Buffer.from(bytes));
}

export interface QcStatementsInput {
  /** `web` for a QWAC (website authentication), `eseal` for a QSealC. */
  kind: 'web' | 'eseal';
  roles: readonly Psd2Role[];
  ncaName: string;
  ncaId: string;
}

/** Encodes the `QCStatements` extension value (ETSI TS 119 495 §5.1, EN 319 412-5 §4.2). */
export function encodeQcStatements(input: QcStatementsInput): Uint8Array<ArrayBuffer> {
  const roles = encodeSequence(
    ...input.roles.map((role) => encodeSequence(encodeOid(PSD2_ROLES[role]), encodeUtf8(role))),
  );
  const der = encodeSequence(
    encodeSequence(encodeOid(QC_COMPLIANCE)),
    encodeSequence(
      encodeOid(QC_TYPE),
      encodeSequence(encodeOid(input.kind === 'web' ? QC_TYPE_WEB : QC_TYPE_ESEAL)),
    ),
    encodeSequence(
      encodeOid(PSD2_QC_STATEMENT),
      encodeSequence(roles, encodeUtf8(input.ncaName), encodeUtf8(input.ncaId)),
    ),
  );
  return Uint8Array.from(der);
}
