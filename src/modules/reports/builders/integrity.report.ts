import type { Readable } from 'node:stream';
import { jsonDocumentStream } from '../render/json-render';
import type { AuditIntegritySource } from '../report-sources';
import { ReportFormat, ReportLang } from '../report.model';
import { PreparedReport, ReportContext, reportMeta, startPdf, streamPdf } from './report-context';

/** Steps an auditor follows offline; docs/audit.md has the canonical-JSON and hashing details. */
export const HOW_TO_VERIFY: Record<ReportLang, string[]> = {
  en: [
    'Export the trail (GET /audit/export) and recompute each event hash as described in docs/audit.md: ' +
      'sha256(prevHash + canonical JSON of the event); each prevHash must equal the previous event hash.',
    'Check that the event numbered "checkpoint.seq" has the hash "checkpoint.hash".',
    'Verify the Ed25519 signature "checkpoint.signature" (base64) over the bytes of "checkpoint.signedMessage" ' +
      'with "checkpoint.publicKeyPem", e.g. with Node: crypto.verify(null, Buffer.from(signedMessage), publicKeyPem, ' +
      'Buffer.from(signature, "base64")).',
    'Compare the public key with the one published by the controller out of band.',
  ],
  fr: [
    'Exporter le journal (GET /audit/export) et recalculer le hash de chaque événement comme décrit dans ' +
      'docs/audit.md : sha256(prevHash + JSON canonique de l’événement) ; chaque prevHash doit égaler le hash précédent.',
    'Vérifier que l’événement numéro « checkpoint.seq » a le hash « checkpoint.hash ».',
    'Vérifier la signature Ed25519 « checkpoint.signature » (base64) sur les octets de « checkpoint.signedMessage » ' +
      'avec « checkpoint.publicKeyPem », par exemple en Node : crypto.verify(null, Buffer.from(signedMessage), ' +
      'publicKeyPem, Buffer.from(signature, "base64")).',
    'Comparer la clé publique avec celle publiée par le responsable du traitement par un autre canal.',
  ],
};

/** A tail cut below a signed checkpoint, as the certificate states it (the trail then refuses appends). */
export interface TrailCutView {
  headSeq: number;
  sealedSeq: number;
}

/**
 * The certificate. `cut` (the trail refuses appends since it was cut) is stated at the top of the
 * document, as is the fact that this download itself cannot be recorded.
 */
export async function prepareIntegrity(
  ctx: ReportContext,
  audit: AuditIntegritySource,
  cut: TrailCutView | null = null,
): Promise<PreparedReport> {
  const verification = await audit.verify();
  const checkpoint = await audit.latestCheckpoint();
  const steps = HOW_TO_VERIFY[ctx.lang];
  const l = ctx.labels;
  const truncation = cut && {
    lastEventSeq: cut.headSeq,
    sealedSeq: cut.sealedSeq,
    exportRecorded: false,
    message: l.t('exportNotRecorded'),
  };
  return {
    render: (format: ReportFormat): Readable => {
      if (format === ReportFormat.Pdf) {
        const pdf = startPdf(ctx, [[l.t('valid'), l.yesNo(verification.valid)]]);
        return streamPdf(pdf, async (w) => {
          if (truncation) {
            w.section('truncation', l.t('trailCut'));
            w.fact(l.t('lastEventSeq'), String(truncation.lastEventSeq));
            w.fact(l.t('sealedSeq'), String(truncation.sealedSeq));
            w.paragraph(truncation.message);
          }
          w.section('verification', l.t('verification'), !truncation);
          w.fact(l.t('valid'), l.yesNo(verification.valid));
          w.fact(l.t('checkedEvents'), String(verification.checkedEvents));
          w.fact('Seq', `${verification.fromSeq ?? '—'} – ${verification.toSeq ?? '—'}`);
          w.fact(l.t('chainHead'), verification.head ? `#${verification.head.seq}` : l.t('chainHeadNone'));
          if (verification.head) w.paragraph(verification.head.hash, { mono: true });
          if (!verification.valid) {
            w.fact(l.t('firstInvalidSeq'), String(verification.firstInvalidSeq ?? '—'));
            w.paragraph(verification.problem ?? '');
            const finding = verification.finding;
            if (finding) {
              w.fact(l.t('finding'), finding.reason);
              w.fact(l.t('expected'), finding.expected);
              w.fact(l.t('found'), finding.found);
            }
          }
          w.section('checkpoint', l.t('checkpoint'), false);
          if (!checkpoint) w.paragraph(l.t('none'));
          else {
            w.fact('Seq', String(checkpoint.seq));
            w.fact(l.t('generatedAt'), checkpoint.signedAt);
            w.fact(l.t('algorithm'), checkpoint.algorithm);
            w.heading('Hash');
            w.paragraph(checkpoint.hash, { mono: true });
            w.heading(l.t('signedMessage'));
            w.paragraph(checkpoint.signedMessage, { mono: true });
            w.heading(l.t('signature'));
            w.paragraph(checkpoint.signature, { mono: true });
            w.heading(l.t('publicKey'));
            w.paragraph(checkpoint.publicKeyPem, { mono: true });
          }
          w.section('how-to-verify', l.t('howToVerify'), false);
          steps.forEach((s, i) => w.paragraph(`${i + 1}. ${s}`));
        });
      }
      return jsonDocumentStream([
        ...Object.entries(reportMeta(ctx)),
        ...(truncation ? [['truncation', truncation] as [string, unknown]] : []),
        ['verification', verification],
        ['checkpoint', checkpoint],
        ['howToVerify', steps],
        ['documentation', 'docs/audit.md'],
      ]);
    },
  };
}
