// stream.js reads a Server-Sent Events stream over fetch, since an EventSource cannot send the
// operators' bearer token: SSEParser turns the text into events the way EventSource does, and
// AuthStream keeps one stream open, reconnecting after a failure.

/**
 * SSEParser splits an event stream's text, given in chunks of any size, into events
 * `{type, data, id}`: lines end in CRLF, LF or CR, a blank line dispatches, comments start with
 * a colon, one space after a field's colon is dropped, several data lines join with LF.
 */
export class SSEParser {
  constructor() {
    this.rest = '';
    this.type = '';
    this.data = null;
    this.id = '';
  }

  /** push takes the next chunk of text and returns the events it completes. */
  push(text) {
    this.rest += text;
    const events = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.rest);
      // A CR at the very end may be the first half of a CRLF still on its way.
      if (m === null || (m[0] === '\r' && m.index === this.rest.length - 1)) break;
      const line = this.rest.slice(0, m.index);
      this.rest = this.rest.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) events.push(ev);
    }
    return events;
  }

  line(line) {
    if (line === '') {
      const ev = this.data === null ? null : { type: this.type || 'message', data: this.data, id: this.id };
      this.type = '';
      this.data = null;
      return ev;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data = this.data === null ? value : `${this.data}\n${value}`;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
    }
    return null;
  }
}

/**
 * AuthStream follows url with `Authorization: Bearer token`, calling handlers[type](data) with
 * each event's parsed JSON. onState hears 'open', 'reconnecting' (it tries again after a pause
 * that grows to retryMaxMs) and 'unauthorized' (a 401: it stops).
 */
export class AuthStream {
  constructor(url, token, handlers, onState, { retryMs = 1000, retryMaxMs = 5000 } = {}) {
    this.url = url;
    this.token = token;
    this.handlers = handlers;
    this.onState = onState;
    this.retryMs = retryMs;
    this.retryMaxMs = retryMaxMs;
    this.abort = null;
    this.stopped = false;
    this.failures = 0;
    this.run();
  }

  async run() {
    while (!this.stopped) {
      this.abort = new AbortController();
      try {
        const res = await fetch(this.url, { headers: { Authorization: `Bearer ${this.token}` }, signal: this.abort.signal });
        if (res.status === 401) {
          this.stopped = true;
          this.onState('unauthorized');
          return;
        }
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        this.failures = 0;
        this.onState('open');
        const parser = new SSEParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const ev of parser.push(value)) this.dispatch(ev);
        }
      } catch (err) {
        if (this.stopped) return;
        console.warn('skirmish: operator stream:', err.message);
      }
      if (this.stopped) return;
      this.onState('reconnecting');
      const wait = Math.min(this.retryMaxMs, this.retryMs * 2 ** this.failures++);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  dispatch(ev) {
    const handle = this.handlers[ev.type];
    if (!handle) return;
    try {
      handle(JSON.parse(ev.data));
    } catch (err) {
      console.warn(`skirmish: bad ${ev.type} event:`, err.message);
    }
  }

  /** close ends the stream for good. */
  close() {
    this.stopped = true;
    this.abort?.abort();
  }
}
