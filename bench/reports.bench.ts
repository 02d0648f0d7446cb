/**
 * npm run bench:reports — memory of the report renderers as the register grows.
 *
 * Streams the gaps report (JSON: one gap per unbound field) and the record of processing (JSON, CSV,
 * PDF) over a synthetic inventory of 10,000 then 100,000 fields, read one by one as a keyset-batched
 * source would yield them, and prints the bytes produced, the time taken and the peak heap growth
 * above the baseline. Flat memory shows as a ratio near 1 between the two sizes while the output
 * grows ~10×. Not a test: it prints, it does not assert. No database: this measures the rendering
 * pipeline only (the sources' own reads are the owning modules' concern).
 *
 * Then the CNIL workbook (xlsx, exceljs streaming writer): 1,000 purposes (1,001 sheets) over
 * 10,000 then 100,000 fields, every system operated by a processor that transfers outside the EEA,
 * printing the peak heap growth and peak RSS growth (the zip compressor works outside the heap).
 *
 * Run with --expose-gc (the npm script does) for a clean baseline.
 */
import type { Readable } from 'node:stream';
import { prepareGaps } from '../src/modules/reports/builders/gaps.report';
import type { ReportContext } from '../src/modules/reports/builders/report-context';
import { prepareRopa } from '../src/modules/reports/builders/ropa.report';
import { labelsFor } from '../src/modules/reports/render/labels';
import type {
  InventoryFieldView,
  InventorySource,
  ProcessorSource,
} from '../src/modules/reports/report-sources';
import { ReportFormat, ReportKind } from '../src/modules/reports/report.model';
import type { PurposeView } from '../src/modules/purposes/purposes.service';

const SIZES = [10_000, 100_000];
const PURPOSES = 100;
const WORKBOOK_PURPOSES = 1_000;

const gc = (globalThis as { gc?: () => void }).gc;

function purposes(count = PURPOSES): PurposeView[] {
  return Array.from({ length: count }, (_, i) => ({
    code: `purpose.p${String(i).padStart(3, '0')}`,
    name: `Purpose ${i}`,
    description: 'Synthetic purpose for the benchmark',
    status: 'active',
    legalBasis: 'contract',
    legitimateInterest: null,
    specialCategoryCondition: null,
    controller: { name: 'ACME SAS' },
    dataSubjectCategories: ['customers'],
    dataCategories: ['identity', 'contact'],
    retention: { duration: 'P3Y', trigger: 'last_interaction' },
    internationalTransfers: null,
    recipients: ['service client', 'équipe marketing'],
    recipientProcessors: ['mailer'],
    securityMeasures: ['chiffrement au repos', 'journalisation des accès'],
    version: 1,
  })) as unknown as PurposeView[];
}

function inventory(fieldCount: number, bound: boolean, purposeCount = PURPOSES): InventorySource {
  return {
    listSystems: async () => [
      { key: 'crm', name: 'CRM', scannable: false, lastScannedAt: null, processorCode: 'mailer' },
    ],
    listUnregisteredColumns: async () => [],
    async *iterateFields(): AsyncGenerator<InventoryFieldView> {
      for (let i = 0; i < fieldCount; i++) {
        yield {
          key: `crm.t${Math.floor(i / 50)}.c${i % 50}`,
          systemKey: 'crm',
          datasetKey: `public.t${Math.floor(i / 50) % 200}`,
          column: `c${i % 50}`,
          dataCategory: ['identity', 'contact', 'financial', 'health'][i % 4],
          special: i % 4 === 3,
          purposeCodes: bound ? [`purpose.p${String(i % purposeCount).padStart(3, '0')}`] : [],
        };
      }
    },
  };
}

const processors: ProcessorSource = {
  list: async () => [
    {
      code: 'mailer',
      name: 'Mailer SAS',
      contact: 'dpo@mailer.example',
      country: 'FR',
      service: 'e-mailing',
      agreement: { signedOn: '2025-01-15', reference: 'DPA-1', reviewOn: '2027-01-15' },
      transfers: [
        { country: 'US', subProcessor: null, mechanism: 'standard_contractual_clauses', reference: 'SCC' },
      ],
    },
  ],
};

function context(kind: ReportKind, format: ReportFormat, lang: 'en' | 'fr' = 'en'): ReportContext {
  const now = new Date();
  return {
    kind,
    format,
    lang,
    labels: labelsFor(lang),
    period: kind === ReportKind.Gaps ? { from: new Date(now.getTime() - 86_400_000), to: now } : null,
    generatedAt: now,
    delimiter: ',',
    chainHead: { seq: 1, hash: '0'.repeat(64), verified: true },
  };
}

async function measure(
  stream: Readable,
): Promise<{ bytes: number; peakMb: number; peakRssMb: number; ms: number }> {
  gc?.();
  const base = process.memoryUsage();
  let peak = base.heapUsed;
  let peakRss = base.rss;
  let bytes = 0;
  const started = performance.now();
  // A reader that keeps nothing, like a socket.
  for await (const chunk of stream) {
    bytes += (chunk as Buffer).length;
    const now = process.memoryUsage();
    peak = Math.max(peak, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
  }
  return {
    bytes,
    peakMb: (peak - base.heapUsed) / 1024 / 1024,
    peakRssMb: (peakRss - base.rss) / 1024 / 1024,
    ms: performance.now() - started,
  };
}

/** The CNIL workbook: 1,000 purposes, one sheet each, over a growing inventory. */
async function workbook(): Promise<void> {
  const results: { n: number; bytes: number; peakMb: number; peakRssMb: number; ms: number }[] = [];
  for (const n of SIZES) {
    gc?.();
    const base = process.memoryUsage().heapUsed;
    const prepared = await prepareRopa(
      context(ReportKind.Ropa, ReportFormat.Xlsx, 'fr'),
      purposes(WORKBOOK_PURPOSES),
      inventory(n, true, WORKBOOK_PURPOSES),
      null,
      processors,
    );
    const prepMb = (process.memoryUsage().heapUsed - base) / 1024 / 1024;
    const r = await measure(prepared.render(ReportFormat.Xlsx));
    results.push({ n, ...r, peakMb: Math.max(r.peakMb, prepMb) });
  }
  const name = `ropa xlsx (${WORKBOOK_PURPOSES} purposes)`;
  for (const r of results) {
    console.log(
      `${name.padEnd(32)} fields=${String(r.n).padStart(7)}  out=${(r.bytes / 1024 / 1024).toFixed(1).padStart(6)} MB` +
        `  time=${r.ms.toFixed(0).padStart(6)} ms  peak heap growth=${r.peakMb.toFixed(1).padStart(6)} MB` +
        `  peak rss growth=${r.peakRssMb.toFixed(1).padStart(6)} MB`,
    );
  }
  const [small, large] = results;
  console.log(
    `${name.padEnd(32)} ×${large.n / small.n} fields → output ×${(large.bytes / small.bytes).toFixed(1)},` +
      ` peak heap ×${(large.peakMb / Math.max(small.peakMb, 0.1)).toFixed(2)}\n`,
  );
}

async function main(): Promise<void> {
  if (!gc) console.log('(run with --expose-gc for a clean baseline)');
  const cases: [string, (n: number) => Promise<Readable>][] = [
    [
      'gaps json (every field unbound)',
      async (n) =>
        (
          await prepareGaps(context(ReportKind.Gaps, ReportFormat.Json), purposes(), {
            inventory: inventory(n, false),
            consents: null,
            access: null,
            retention: null,
          })
        ).render(ReportFormat.Json),
    ],
    ...[ReportFormat.Json, ReportFormat.Csv, ReportFormat.Pdf].map(
      (format) =>
        [
          `ropa ${format}`,
          async (n: number) =>
            (await prepareRopa(context(ReportKind.Ropa, format), purposes(), inventory(n, true))).render(
              format,
            ),
        ] as [string, (n: number) => Promise<Readable>],
    ),
  ];
  for (const [name, make] of cases) {
    const results: { n: number; bytes: number; peakMb: number; ms: number }[] = [];
    for (const n of SIZES) {
      // Preparation (reading every field into per-purpose aggregates) counts too: it is inside.
      gc?.();
      const base = process.memoryUsage().heapUsed;
      const stream = await make(n);
      const prepMb = (process.memoryUsage().heapUsed - base) / 1024 / 1024;
      const r = await measure(stream);
      results.push({ n, ...r, peakMb: Math.max(r.peakMb, prepMb) });
    }
    for (const r of results) {
      console.log(
        `${name.padEnd(32)} fields=${String(r.n).padStart(7)}  out=${(r.bytes / 1024 / 1024).toFixed(1).padStart(6)} MB` +
          `  time=${r.ms.toFixed(0).padStart(6)} ms  peak heap growth=${r.peakMb.toFixed(1).padStart(6)} MB`,
      );
    }
    const [small, large] = results;
    console.log(
      `${name.padEnd(32)} ×${large.n / small.n} fields → output ×${(large.bytes / small.bytes).toFixed(1)},` +
        ` peak heap ×${(large.peakMb / Math.max(small.peakMb, 0.1)).toFixed(2)}\n`,
    );
  }
}

async function all(): Promise<void> {
  if (process.argv.includes('--xlsx-only')) return workbook();
  await main();
  await workbook();
}

all().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
