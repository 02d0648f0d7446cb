/**
 * A same-origin URL for a download link: the session cookie goes along with the navigation, the
 * service answers with Content-Disposition: attachment, and the browser saves the bytes as they
 * stream (no whole export held in the page's memory). Empty values are left out.
 */
export function downloadUrl(
  path: string,
  params: Record<string, string | number | undefined | null>,
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}
