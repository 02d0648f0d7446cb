/**
 * How the standard layout (CSV and PDF) words an entry's values in one cell or line: parties,
 * processors, transfers, retention and the organisation. The CNIL layout words them its own way
 * (ropa-cnil.ts).
 */
import type { OrganisationView } from '../report-sources';
import type { DerivedTransfer } from './derived-transfers';
import type { ReportContext } from './report-context';
import type { RopaEntry } from './ropa-entries';

/** The retention in one line: the active phase, then the archive phase when there is one. */
export function retentionLine(e: RopaEntry, archiveWords: string): string | undefined {
  if (!e.retention) return undefined;
  const a = e.retention.archive;
  return a ? `${e.retention.description}, ${archiveWords} ${a.description}` : e.retention.description;
}

export const partyText = (p: { name: string; contact?: string } | null | undefined) =>
  p ? (p.contact ? `${p.name} (${p.contact})` : p.name) : '';
export const processorText = (p: { name: string; service?: string; country?: string }) =>
  [p.name, p.service, p.country].filter(Boolean).join(' — ');
export const transferText = (t: { country: string; recipient?: string; safeguard?: string }, none: string) =>
  `${t.country}${t.recipient ? ` — ${t.recipient}` : ''} — ${t.safeguard ?? none}`;

/** "US — Mailer SAS (Support Ltd) — standard_contractual_clauses: SCC 2021/914". */
export function derivedTransferText(t: DerivedTransfer, none: string): string {
  const who = t.subProcessor ? `${t.processorName} (${t.subProcessor})` : t.processorName;
  const how = t.mechanism ? `${t.mechanism}${t.reference ? `: ${t.reference}` : ''}` : none;
  return `${t.country} — ${who} — ${how}`;
}

/** The organisation-level cells (art. 30(1)(a), art. 27), repeated on every row so each row stands alone. */
export function organisationCells(o: OrganisationView | null): string[] {
  return [
    o?.name ?? '',
    o?.address ?? '',
    o?.contact ?? '',
    o?.dpo?.name ?? '',
    o?.dpo?.contact ?? '',
    o?.representative?.name ?? '',
    o?.representative?.contact ?? '',
  ];
}

/** Cover lines naming the controller, its DPO and its EU representative (or saying they are missing). */
export function organisationFacts(ctx: ReportContext, o: OrganisationView | null): [string, string][] {
  const l = ctx.labels;
  if (!o) return [[l.t('organisation'), l.t('notDeclared')]];
  const facts: [string, string][] = [
    [l.t('organisation'), o.name],
    [l.t('organisationAddress'), o.address.replace(/\r?\n/g, ', ')],
    [l.t('organisationContact'), o.contact],
    [l.t('dpo'), o.dpo ? partyText(o.dpo) : l.t('notDeclared')],
  ];
  if (o.representative || !o.establishedInEu) {
    facts.push([l.t('representative'), o.representative ? partyText(o.representative) : l.t('notDeclared')]);
  }
  return facts;
}
