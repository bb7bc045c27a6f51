/**
 * What a sandbox bank reads from the TPP's client certificate (its QWAC) on the mTLS listener:
 * the organizationIdentifier that must equal `client_id` (ETSI TS 119 495 §5.2.1), the PSD2
 * roles of its QCStatements (ETSI TS 119 495 §5.1), and the SHA-256 thumbprint that binds tokens
 * to it (RFC 8705 §3.1, `x5t#S256`).
 */
import 'reflect-metadata';
import { createHash, type X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import type { Request } from 'express';

const QC_STATEMENTS_OID = '1.3.6.1.5.5.7.1.3';
const PSD2_QC_STATEMENT_OID = '0.4.0.19495.2';
const ROLE_NAMES: Record<string, string> = {
  '0.4.0.19495.1.1': 'PSP_AS',
  '0.4.0.19495.1.2': 'PSP_PI',
  '0.4.0.19495.1.3': 'PSP_AI',
  '0.4.0.19495.1.4': 'PSP_IC',
};

export interface ClientCertificate {
  organizationIdentifier: string | undefined;
  roles: string[];
  thumbprint: string;
}

interface Tlv {
  tag: number;
  content: Uint8Array;
}

/** Splits DER content into its top-level TLVs (X.690 §8.1). */
function readTlvs(der: Uint8Array): Tlv[] {
  const items: Tlv[] = [];
  let offset = 0;
  while (offset < der.length) {
    const tag = der[offset++] ?? 0;
    let length = der[offset++] ?? 0;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (der[offset++] ?? 0);
    }
    items.push({ tag, content: der.subarray(offset, offset + length) });
    offset += length;
  }
  return items;
}

function decodeOid(content: Uint8Array): string {
  const first = content[0] ?? 0;
  const arcs = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (const byte of content.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** Reads the PSD2 roles from a QCStatements extension value; none if it has no PSD2 statement. */
export function readPsd2Roles(extensionValue: Uint8Array): string[] {
  const [statements] = readTlvs(extensionValue);
  if (!statements) return [];
  for (const statement of readTlvs(statements.content)) {
    const [id, info] = readTlvs(statement.content);
    if (!id || id.tag !== 0x06 || decodeOid(id.content) !== PSD2_QC_STATEMENT_OID || !info)
      continue;
    const [roles] = readTlvs(info.content);
    return readTlvs(roles?.content ?? new Uint8Array())
      .map((role) => readTlvs(role.content)[0])
      .filter((oid): oid is Tlv => oid?.tag === 0x06)
      .map((oid) => ROLE_NAMES[decodeOid(oid.content)] ?? decodeOid(oid.content));
  }
  return [];
}

/** Reads the organizationIdentifier (OID 2.5.4.97) from a certificate's subject. */
export function readOrganizationIdentifier(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split('\n')) {
    const [name, ...value] = line.split('=');
    if (name === 'organizationIdentifier' || name === '2.5.4.97') return value.join('=');
  }
  return undefined;
}

const cache = new Map<string, ClientCertificate>();

/** Describes the certificate the client presented on this connection, if any. */
export function readClientCertificate(req: Request): ClientCertificate | undefined {
  const socket = req.socket as TLSSocket;
  const cert =
    typeof socket.getPeerX509Certificate === 'function'
      ? socket.getPeerX509Certificate()
      : undefined;
  if (!cert) return undefined;
  const thumbprint = createHash('sha256').update(cert.raw).digest('base64url');
  const known = cache.get(thumbprint);
  if (known) return known;
  const extension = new x509.X509Certificate(cert.raw).getExtension(QC_STATEMENTS_OID);
  const described: ClientCertificate = {
    organizationIdentifier: readOrganizationIdentifier(cert),
    roles: extension ? readPsd2Roles(new Uint8Array(extension.value)) : [],
    thumbprint,
  };
  if (cache.size > 1_000) cache.clear();
  cache.set(thumbprint, described);
  return described;
}
