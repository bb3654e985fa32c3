/**
 * A minimal self-signed X.509 v3 certificate (RSA, sha256WithRSAEncryption),
 * DER-encoded by hand: node:crypto reads certificates (X509Certificate) but
 * does not create them. Enough for the fake WeChat Pay "platform certificate"
 * (serial, issuer/subject CN, validity, public key); no extensions.
 */
import { createSign, type KeyObject } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const oid = (hex: string) => tlv(0x06, Buffer.from(hex, 'hex'));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const NULL = Buffer.from([0x05, 0x00]);
const SHA256_WITH_RSA = seq(oid('2a864886f70d01010b'), NULL);
const COMMON_NAME = '550403';
const ORGANIZATION = '55040a';

function integer(bytes: Buffer): Buffer {
  const positive = bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return tlv(0x02, positive);
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-05-01T12:00:00.000Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function name(commonName: string, organization: string): Buffer {
  return seq(set(seq(oid(ORGANIZATION), utf8(organization))), set(seq(oid(COMMON_NAME), utf8(commonName))));
}

export interface SelfSignedCertOptions {
  /** Hex serial (WeChat Pay platform certificates have 40 hex digits); the first digit should be < 8. */
  serialHex: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** PEM of a self-signed certificate for `publicKey`, signed with `privateKey`. */
export function selfSignedCertificate(options: SelfSignedCertOptions): string {
  const notBefore = options.notBefore ?? new Date(Date.now() - 24 * 3600_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 5 * 365 * 24 * 3600_000);
  const issuer = name(options.commonName ?? 'Tenpay.com Root CA (fake)', 'Tenpay.com (fake)');
  const spki = options.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(Buffer.from(options.serialHex, 'hex')),
    SHA256_WITH_RSA,
    issuer,
    seq(utcTime(notBefore), utcTime(notAfter)),
    issuer,
    spki,
  );
  const signature = createSign('sha256').update(tbs).sign(options.privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0]), signature));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
