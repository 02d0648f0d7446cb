import { Box, Table, VisuallyHidden } from '@mantine/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { formatUtcDay } from '../../i18n/format';
import type { DecisionSeries } from './posture';

// Only what this chart uses (tree-shaken); the whole file is its own chunk, loaded with the dashboard.
echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

/** Same hues as the badges elsewhere, dark enough for WCAG AA against white. */
const OUTCOME_COLOURS: Record<string, string> = { allow: '#2b8a3e', deny: '#c92a2a' };

/**
 * Decisions per day, stacked by outcome. The picture is for sighted users; the same figures are
 * in a table that screen readers read instead.
 */
export default function DecisionsChart({ data }: { data: DecisionSeries }) {
  const { t, i18n } = useTranslation();
  const node = useRef<HTMLDivElement>(null);
  const label = (outcome: string) => t(`dashboard.access.outcomes.${outcome}`, { defaultValue: outcome });

  useEffect(() => {
    if (!node.current) return;
    const chart = echarts.init(node.current, undefined, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      aria: { enabled: false },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 32, bottom: 24 },
      xAxis: { type: 'category', data: data.days.map((d) => formatUtcDay(d, i18n.language, 'short')) },
      yAxis: { type: 'value', minInterval: 1 },
      series: data.series.map((s) => ({
        name: label(s.outcome),
        type: 'bar',
        stack: 'decisions',
        data: s.counts,
        itemStyle: { color: OUTCOME_COLOURS[s.outcome] ?? '#495057' },
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
    // label depends on the language: redraw when it changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data, i18n.language]);

  return (
    <>
      <Box ref={node} h={260} aria-hidden data-testid="decisions-chart" />
      <VisuallyHidden>
        <Table>
          <caption>{t('dashboard.access.chartLabel')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.access.day')}</th>
              {data.series.map((s) => (
                <th scope="col" key={s.outcome}>
                  {label(s.outcome)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.days.map((day, i) => (
              <tr key={day}>
                <th scope="row">{formatUtcDay(day, i18n.language, 'full')}</th>
                {data.series.map((s) => (
                  <td key={s.outcome}>{s.counts[i]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </Table>
      </VisuallyHidden>
    </>
  );
}
