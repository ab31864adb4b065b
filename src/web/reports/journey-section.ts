import type { SavedJourney } from '../../life-events/index.ts';
import type { ReportService } from '../../notifications/index.ts';
import { reportFormFor } from './report-forms.ts';
import { formatDay, statusSummary } from './report-status.ts';

/**
 * The "Tell government once" section of a journey page: a link to tell government (when the life
 * event makes a report) and this journey's reports, each linking to its status page.
 */
export interface TellOnceSection {
  href: string;
  what: string;
  reports: { href: string; text: string; status: string }[];
}

export async function tellOnceSection(
  reports: Pick<ReportService, 'list'>,
  accountId: string,
  saved: SavedJourney,
): Promise<TellOnceSection | undefined> {
  const form = reportFormFor(saved.eventId);
  if (!form) return undefined;
  const mine = await reports.list(accountId, { journeyId: saved.journeyId });
  return {
    href: `/life-events/journeys/${encodeURIComponent(saved.journeyId)}/tell`,
    what: form.what,
    reports: mine.map((r) => ({
      href: `/life-events/reports/${encodeURIComponent(r.reportId)}`,
      text: `Report sent on ${formatDay(r.createdAt)}`,
      status: statusSummary(r),
    })),
  };
}
