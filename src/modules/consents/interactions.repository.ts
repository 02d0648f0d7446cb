import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager } from 'typeorm';
import { SubjectInteractionEntity } from './entities/subject-interaction.entity';
import type { LatestContacts } from './interaction.model';

/** The SQL of subject interactions, and the latest contacts retention reads (grants included). */
@Injectable()
export class InteractionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  insert(
    m: EntityManager,
    rows: DeepPartial<SubjectInteractionEntity>[],
    chunk: number,
  ): Promise<SubjectInteractionEntity[]> {
    return m.save(
      SubjectInteractionEntity,
      rows.map((r) => m.create(SubjectInteractionEntity, r)),
      { chunk },
    );
  }

  /**
   * The latest interaction per subject and the latest consent grant per subject for each of
   * `grantPurposes`, both only when later than `since` (older ones cannot restart a clock that is
   * still running), for `subjectIds` or every subject.
   */
  async latestContacts(
    grantPurposes: string[],
    since: Date,
    subjectIds: string[] | null,
  ): Promise<LatestContacts> {
    const interactions = await this.dataSource.query<{ subject_id: string; at: Date }[]>(
      `SELECT subject_id, max(occurred_at) AS at FROM subject_interaction
        WHERE occurred_at > $1 AND ($2::text[] IS NULL OR subject_id = ANY($2::text[]))
        GROUP BY subject_id`,
      [since, subjectIds],
    );
    const grants = grantPurposes.length
      ? await this.dataSource.query<{ purpose_code: string; subject_id: string; at: Date }[]>(
          `SELECT purpose_code, subject_id, max(occurred_at) AS at FROM consent_event
            WHERE status = 'granted' AND purpose_code = ANY($1::text[]) AND occurred_at > $2
              AND ($3::text[] IS NULL OR subject_id = ANY($3::text[]))
            GROUP BY purpose_code, subject_id`,
          [grantPurposes, since, subjectIds],
        )
      : [];
    const byPurpose = new Map<string, Map<string, Date>>();
    for (const g of grants) {
      let m = byPurpose.get(g.purpose_code);
      if (!m) byPurpose.set(g.purpose_code, (m = new Map<string, Date>()));
      m.set(g.subject_id, new Date(g.at));
    }
    return {
      interactions: new Map(interactions.map((r) => [r.subject_id, new Date(r.at)])),
      grants: byPurpose,
    };
  }
}
