import type { Readable } from 'node:stream';
import type { PurposeView } from '../../purposes/purposes.service';
import { PurposeStatus } from '../../purposes/purpose.model';
import { jsonDocumentStream, JsonItemStream } from '../render/json-render';
import type {
  InventorySource,
  InventorySystemView,
  OrganisationSource,
  ProcessorSource,
} from '../report-sources';
import { ReportFormat, type RopaLayout } from '../report.model';
import { PreparedReport, ReportContext, reportMeta } from './report-context';
import { footprintsOf, ProcessorContext, PurposeFootprint, toRopaEntry } from './ropa-entries';
import { ropaCnilPdf } from './ropa-cnil-pdf';
import { ropaCsv } from './ropa-csv';
import { ropaPdf } from './ropa-pdf';
import { ropaWorkbook } from './ropa-workbook';

/**
 * The record of processing (art. 30): its entries are collected once (ropa-entries.ts), then
 * rendered in the format and layout asked for: JSON, CSV and PDF in the standard layout, the
 * workbook and `layout=cnil` PDF in the CNIL model's (ropa-cnil.ts).
 */
export async function prepareRopa(
  ctx: ReportContext,
  purposes: PurposeView[],
  inventory: InventorySource | null,
  organisationSource: OrganisationSource | null = null,
  processorSource: ProcessorSource | null = null,
  layout: RopaLayout = 'standard',
): Promise<PreparedReport> {
  // Art. 30(1)(a): the controller, its DPO and its EU representative head the record.
  const organisation = organisationSource ? await organisationSource.get() : null;
  const active = purposes.filter((p) => p.status === PurposeStatus.Active);
  let footprints = new Map<string, PurposeFootprint>();
  let systemNames: Map<string, string> | null = null;
  let systems: InventorySystemView[] = [];
  if (inventory) {
    footprints = await footprintsOf(inventory, new Set(active.map((p) => p.code)));
    systems = await inventory.listSystems();
    systemNames = new Map(systems.map((s) => [s.key, s.name]));
  }
  const processors: ProcessorContext | null = processorSource
    ? {
        byCode: new Map((await processorSource.list()).map((p) => [p.code, p])),
        systemProcessor: new Map(systems.map((s) => [s.key, s.processorCode ?? null])),
      }
    : null;
  const entries = active.map((p) => toRopaEntry(p, ctx, footprints.get(p.code), systemNames, processors));
  return {
    render: (format: ReportFormat): Readable => {
      if (format === ReportFormat.Csv) return ropaCsv(ctx, entries, organisation);
      if (format === ReportFormat.Xlsx) return ropaWorkbook(ctx, entries, organisation, inventory !== null);
      if (format === ReportFormat.Pdf && layout === 'cnil') {
        return ropaCnilPdf(ctx, entries, organisation, inventory !== null);
      }
      if (format === ReportFormat.Pdf) return ropaPdf(ctx, entries, inventory !== null, organisation);
      return jsonDocumentStream([
        ...Object.entries(reportMeta(ctx)),
        ['organisationAvailable', organisationSource !== null],
        ['organisation', organisation],
        ['inventoryAvailable', inventory !== null],
        ['processorsAvailable', processorSource !== null],
        ['purposeCount', entries.length],
        ['entries', new JsonItemStream(entries)],
      ]);
    },
  };
}
