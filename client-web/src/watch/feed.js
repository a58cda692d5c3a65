// feed.js holds the page's one EventSource (browsers allow few connections per origin, so a
// page never opens two), counts what it receives for the tests, reports the connection's
// state to the page, and follows the feed to another server of a fleet when the one it is on
// goes away.
import { movedTo } from '../shared/moved.js';

/**
 * Feed opens url as an EventSource and calls handlers[kind](data, event) with the parsed JSON
 * of each event of a kind it has a handler for. onState is told 'open', 'reconnecting' or
 * 'closed' (the browser gave up, for instance on a 404 for a room that is gone). On a moved
 * event the page goes on at the server it names, from the feed's last id if resume is set (a
 * room's ids hold across the fleet; the lobby's are each server's own).
 */
export class Feed {
  constructor(url, handlers, onState, { resume = false } = {}) {
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
    this.source.addEventListener('moved', (event) => {
      let to;
      try {
        to = JSON.parse(event.data).url;
      } catch (err) {
        console.warn('skirmish: bad moved event:', err.message);
        return;
      }
      this.close();
      location.replace(movedTo(to, location, resume ? event.lastEventId : ''));
    });
  }

  /** close ends the stream for good. */
  close() {
    this.source.close();
  }
}
