import { writeFileSync } from "node:fs";
import type { TestContext } from "node:test";
import { loadNginxGateway } from "../../src/gateway/nginx/load.ts";
import type { GatewayOptions } from "../../src/gateway/server.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { freePort } from "./net.ts";
import { type RunningNginx, type StartNginxOptions, startNginx } from "./nginx.ts";

/** The two ports of one variant: the gateway's and nginx's. */
export interface PortPair {
  readonly ours: number;
  readonly theirs: number;
}

/**
 * Starts the same nginx server blocks twice for a differential test: each variant in its
 * own in-process gateway (`startOurs`, in variant order) and all of them in one real nginx
 * (each on a port picked with `freePort()`), so a client can ask both the same question.
 * @param t - the test; nginx and the gateways stop when it ends
 * @param options.dir - nginx's prefix directory (relative paths in the blocks resolve here)
 * @param options.blocks - per variant, the server block text for a listen address
 * @param options.startOurs - starts the gateway of one variant from its block text (listen
 *   `127.0.0.1:0`); returns its port
 * @param options.nginx - further `startNginx` options (e.g. `errorLog`)
 * @returns the ports by variant and the running nginx, or undefined when nginx is missing
 *   (the test is skipped)
 * @example
 * const both = await startSideBySide(t, { dir, blocks, startOurs: (name, text) =>
 *   startGatewayFromText(t, { file: join(dir, `${name}.conf`), text }) });
 */
export async function startSideBySide<K extends string>(
  t: TestContext,
  options: {
    readonly dir: string;
    readonly blocks: Readonly<Record<K, (listen: string) => string>>;
    readonly startOurs: (name: K, text: string) => Promise<number>;
    readonly nginx?: Omit<StartNginxOptions, "dir" | "http" | "ports">;
  },
): Promise<{ readonly ports: Record<K, PortPair>; readonly nginx: RunningNginx } | undefined> {
  const ports = {} as Record<K, PortPair>;
  const nginxBlocks: string[] = [];
  for (const [name, block] of Object.entries(options.blocks) as [K, (l: string) => string][]) {
    const theirs = await freePort();
    nginxBlocks.push(block(`127.0.0.1:${theirs}`));
    ports[name] = { ours: await options.startOurs(name, block("127.0.0.1:0")), theirs };
  }
  const nginx = await startNginx(t, {
    ...options.nginx,
    dir: options.dir,
    http: nginxBlocks.join(""),
    ports: Object.values<PortPair>(ports).map((p) => p.theirs),
  });
  return nginx ? { ports, nginx } : undefined;
}

/**
 * Writes an nginx configuration to `file` and starts an in-process gateway from it,
 * closed when the test ends.
 * @param t - the test
 * @param options.file - where the configuration is written (its name appears in diagnostics)
 * @param options.text - the nginx configuration
 * @param options.gateway - further `startGateway` options; default `log` discards the lines
 * @returns the gateway's first port
 */
export async function startGatewayFromText(
  t: TestContext,
  options: {
    readonly file: string;
    readonly text: string;
    readonly gateway?: Omit<GatewayOptions, "material">;
  },
): Promise<number> {
  writeFileSync(options.file, options.text);
  const { config, material } = loadNginxGateway(options.file);
  const gw = await startGateway(config, { ...(options.gateway ?? { log: () => {} }), material });
  t.after(() => gw.close());
  return gw.addresses[0]?.port ?? 0;
}
