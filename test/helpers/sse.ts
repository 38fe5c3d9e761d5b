export interface SseEvent {
  event: string;
  data: string;
}

/** A minimal EventSource over fetch: collects events and lets a test wait for the next matching one. */
export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  private waiters: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
  private cursor = 0;
  status = 0;
  contentType = '';

  async open(url: string, headers: Record<string, string> = {}): Promise<void> {
    const res = await fetch(url, { headers, signal: this.controller.signal });
    this.status = res.status;
    this.contentType = res.headers.get('content-type') ?? '';
    if (!res.ok || !res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let idx: number;
          while ((idx = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, idx);
            buf = buf.slice(idx + 2);
            this.push(block);
          }
        }
      } catch {
        // aborted
      }
    })();
  }

  private push(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        event = 'comment';
        data.push(line.slice(1).trim());
      } else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    const e = { event, data: data.join('\n') };
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(e)) return true;
      w.resolve(e);
      return false;
    });
  }

  /** The next event (after the ones already consumed) named `event`, within `ms`. */
  next(event: string, ms = 2_000): Promise<SseEvent> {
    const found = this.events.slice(this.cursor).findIndex((e) => e.event === event);
    if (found >= 0) {
      const e = this.events[this.cursor + found]!;
      this.cursor += found + 1;
      return Promise.resolve(e);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${event}' event within ${ms} ms`)), ms);
      this.waiters.push({
        match: (e) => e.event === event,
        resolve: (e) => {
          clearTimeout(timer);
          this.cursor = this.events.indexOf(e) + 1;
          resolve(e);
        },
      });
    });
  }

  close(): void {
    this.controller.abort();
  }
}
