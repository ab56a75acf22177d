import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNginxFlag, parseNginxSize, parseNginxTime } from "./units.ts";

test("parseNginxTime() reads nginx time syntax in ms", () => {
  const cases: [string, number | undefined][] = [
    ["5m", 300_000],
    ["300s", 300_000],
    ["300", 300_000],
    ["1h", 3_600_000],
    ["1d", 86_400_000],
    ["1h30m", 5_400_000],
    ["1h 30m", 5_400_000],
    ["500ms", 500],
    ["1w", 604_800_000],
    ["", undefined],
    ["5x", undefined],
    ["30m1h", undefined],
    ["5 6", undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseNginxTime(text), ms, text);
});

test("parseNginxSize() reads k, m and g suffixes as powers of 1024", () => {
  assert.equal(parseNginxSize("1m"), 1048576);
  assert.equal(parseNginxSize("32K"), 32768);
  assert.equal(parseNginxSize("4096"), 4096);
  assert.equal(parseNginxSize("1g"), 1073741824);
  assert.equal(parseNginxSize("1t"), undefined);
  assert.equal(parseNginxSize("m"), undefined);
});

test("parseNginxFlag() accepts on and off in any case", () => {
  assert.equal(parseNginxFlag("on"), true);
  assert.equal(parseNginxFlag("OFF"), false);
  assert.equal(parseNginxFlag("on\uFF1B"), undefined);
});
