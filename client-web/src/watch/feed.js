// feed.js holds the page's one EventSource (browsers allow few connections per origin, so a
// page never opens two), counts what it receives for the tests, and reports the connection's
// state to the page.

/**
 * Feed opens url as an EventSource and calls handlers[kind](data, event) with the parsed JSON
 * of each event of a kind it has a handler for. onState is told 'open', 'reconnecting' or
 * 'closed' (the browser gave up, for instance on a 404 for a room that is gone).
 */
export class Feed {
  constructor(url, handlers, onState) {
    this.count = 0;
    this.source = new EventSource(url);
    this.source.onopen = () => onState('open');
    this.source.onerror = () => onState(this.source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    for (const [kind, handle] of Object.entries(handlers)) {
      this.source.addEventListener(kind, (event) => {
        this.count++;
        document.body.dataset.events = String(this.count);
        let data;
        try {
          data = JSON.parse(event.data);
        } catch (err) {
          console.warn(`skirmish: bad ${kind} event:`, err.message);
          return;
        }
        handle(data, event);
      });
    }
  }

  /** close ends the stream for good. */
  close() {
    this.source.close();
  }
}
