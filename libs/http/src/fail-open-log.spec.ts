import { FailOpenLog } from './fail-open-log';

describe('FailOpenLog', () => {
  it('writes the first failure, stays quiet within the interval, then writes once with the count it skipped', () => {
    const lines: string[] = [];
    const log = new FailOpenLog(30_000, (l) => lines.push(l));
    log.note('timeout', 'Command timed out', 1_000);
    for (let t = 1_001; t < 31_000; t += 10) log.note('timeout', 'Command timed out', t);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('1 request(s)');
    log.note('error', 'connect ECONNREFUSED', 31_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('3001 request(s)');
    expect(lines[1]).toContain('connect ECONNREFUSED');
  });
});
