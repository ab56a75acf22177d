import assert from "node:assert/strict";
import { test } from "node:test";
import { streamRanges } from "./stream-ranges.ts";

test("streamRanges folds runs of consecutive streams into ranges", () => {
  assert.equal(streamRanges([15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 14]), "0–8, 10, 13–15");
});

test("streamRanges lists a single stream alone and nothing as empty", () => {
  assert.equal(streamRanges([9]), "9");
  assert.equal(streamRanges([]), "");
  assert.equal(streamRanges([4, 4, 5]), "4–5");
});

test("streamRanges ends with an ellipsis when only some streams were kept", () => {
  assert.equal(streamRanges([1, 2], { total: 5 }), "1–2, …");
});
