// COPY … FROM STDIN through node-postgres without pg-copy-streams: a minimal "submittable" the client runs like a
// query. It sends the text the producer yields as CopyData messages, waiting for the socket to drain, then CopyDone.

/**
 * Runs `sql` (a `COPY … FROM STDIN` statement) on a connected pg.Client, feeding it the strings or Buffers `rows`
 * yields (COPY text format, each ending in a newline). Resolves with the number of rows PostgreSQL copied.
 */
export function copyFrom(client, sql, rows) {
  return new Promise((resolve, reject) => {
    let count = 0;
    let failed;
    client.query({
      text: sql,
      submit(connection) {
        connection.query(sql);
      },
      async handleCopyInResponse(connection) {
        try {
          const stream = connection.stream;
          for await (const chunk of rows) {
            connection.sendCopyFromChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
            if (stream.writableNeedDrain) await new Promise((r) => stream.once('drain', r));
          }
          connection.endCopyFrom();
        } catch (err) {
          failed = err;
          connection.sendCopyFail(String(err?.message ?? err));
        }
      },
      handleCommandComplete(msg) {
        count = Number(/\d+$/.exec(msg.text ?? '')?.[0] ?? 0);
      },
      handleError(err) {
        failed ??= err;
      },
      handleReadyForQuery() {
        if (failed) reject(failed);
        else resolve(count);
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    });
  });
}
