// moved.js follows a page to another server of a fleet: a server that goes away ends its
// feeds with a moved event naming another one (server/internal/spectate), and the page goes
// on there.

/**
 * movedTo is the address of the same page at base, another server that the feed moved to
 * (the data of its moved event), resuming the feed after lastId when that is given.
 */
export function movedTo(base, loc, lastId) {
  const url = new URL(loc.pathname, base);
  const params = new URLSearchParams(loc.search);
  params.delete('lastEventId');
  if (lastId) params.set('lastEventId', lastId);
  url.search = params.toString();
  return url.href;
}

/**
 * resumeFrom returns url with the resume point a moved page was opened with (see movedTo), as
 * an EventSource cannot send its first request with a Last-Event-ID header.
 */
export function resumeFrom(url, search) {
  const lastId = new URLSearchParams(search).get('lastEventId');
  return lastId ? `${url}?lastEventId=${encodeURIComponent(lastId)}` : url;
}
