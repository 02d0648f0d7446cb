import { Client } from 'pg';

/** The decision ids of every 2xx answer, checked against the audit trail after the runs. */
export class DecisionLog {
  private readonly ids: string[] = [];

  get size(): number {
    return this.ids.length;
  }

  record(status: number, body: string): void {
    if (status < 200 || status >= 300) return;
    const answer = JSON.parse(body) as { decisionId?: string; results?: { decisionId: string }[] };
    for (const d of answer.results ?? [answer]) {
      if (typeof d.decisionId !== 'string') throw new Error(`a 2xx decision without an id: ${body}`);
      this.ids.push(d.decisionId);
    }
  }

  /** How many recorded ids have no access.decision event in the audit trail. */
  async missingFrom(db: Client): Promise<number> {
    let missing = 0;
    for (let i = 0; i < this.ids.length; i += 10_000) {
      const chunk = this.ids.slice(i, i + 10_000);
      const r = await db.query<{ n: string }>(
        `SELECT count(DISTINCT target_id) AS n FROM audit_event
          WHERE type = 'access.decision' AND target_type = 'access_decision' AND target_id = ANY($1::text[])`,
        [chunk],
      );
      missing += chunk.length - Number(r.rows[0].n);
    }
    return missing;
  }
}
