import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A durable FIFO of batches waiting for the ingest pipeline's acknowledgement: one file per batch, written (and
 * renamed into place, so a crash never leaves half a batch) before the first POST, removed after the 2xx answer.
 * On restart the files left over are sent again first, in order: nothing accepted from the source is lost.
 */
export class Spool {
  private seq = 0;
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const spool = new Spool(dir);
    const names = await spool.names();
    spool.seq = names.length === 0 ? 0 : Number(names[names.length - 1]?.slice(0, 16)) + 1;
    return spool;
  }

  private async names(): Promise<string[]> {
    return (await readdir(this.dir)).filter((n) => /^\d{16}\.json$/.test(n)).sort();
  }

  /** Stores a batch; answers its id. */
  async put(batch: readonly unknown[]): Promise<string> {
    const id = String(this.seq++).padStart(16, '0');
    const tmp = join(this.dir, `${id}.tmp`);
    await writeFile(tmp, JSON.stringify(batch));
    await rename(tmp, join(this.dir, `${id}.json`));
    return id;
  }

  /** Batches still unacknowledged, oldest first. */
  async pending(): Promise<Array<{ id: string; batch: unknown[] }>> {
    const out: Array<{ id: string; batch: unknown[] }> = [];
    for (const name of await this.names()) out.push({ id: name.slice(0, 16), batch: JSON.parse(await readFile(join(this.dir, name), 'utf8')) as unknown[] });
    return out;
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
  }
}
