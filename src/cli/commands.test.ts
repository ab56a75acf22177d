import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMAND_LOADERS, subcommandOf } from "./commands.ts";
import { buildProgram } from "./program.ts";

describe("subcommandOf()", () => {
  it("names the first non-option word when it is a subcommand", () => {
    assert.equal(subcommandOf(["--debug", "pki", "init", "--dir", "x"]), "pki");
    assert.equal(subcommandOf(["request", "https://h/"]), "request");
  });

  it("leaves help, typos and no arguments to the whole tree", () => {
    assert.equal(subcommandOf([]), undefined);
    assert.equal(subcommandOf(["--help"]), undefined);
    assert.equal(subcommandOf(["help", "pki"]), undefined);
    assert.equal(subcommandOf(["pkk"]), undefined);
    assert.equal(subcommandOf(["toString"]), undefined);
  });
});

describe("COMMAND_LOADERS", () => {
  it("has a loader for every subcommand of the full tree, and no other", () => {
    const names = buildProgram().commands.map((c) => c.name());
    assert.deepEqual(Object.keys(COMMAND_LOADERS).sort(), [...names].sort());
  });
});
