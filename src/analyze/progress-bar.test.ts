import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatProgress, ProgressBar } from "./progress-bar.ts";

describe("formatProgress()", () => {
  it("shows the fraction, sizes, rate and time left", () => {
    const mb = 1024 * 1024;
    assert.equal(
      formatProgress(45 * mb, 100 * mb, 2000, { width: 20 }),
      "[#########...........]  45%  45.0/100.0 MB  22.5 MB/s  ETA 3 s",
    );
    assert.equal(formatProgress(0, 10, 0, { width: 4 }), "[....]   0%  0.0/0.0 MB  0.0 MB/s");
  });
});

describe("ProgressBar", () => {
  it("redraws at most every 100 ms and erases itself", () => {
    let now = 0;
    const out: string[] = [];
    const bar = new ProgressBar(100, (s) => out.push(s), { now: () => now });
    bar.update(10);
    now = 50;
    bar.update(20);
    now = 150;
    bar.update(30);
    bar.clear();
    bar.clear();
    assert.equal(out.length, 3);
    assert.match(out[0]!, /^\r\[###/);
    assert.match(out[1]!, / 30%/);
    assert.equal(out[2], "\r\x1b[K");
  });
});
