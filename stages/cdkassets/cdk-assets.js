#!/usr/bin/env node
// cdk-assets: a small stand-in for the "cdk-assets" command of CDK Pipelines
// asset publishing jobs. The cdk-assets CLI on npm (4.7.3) only reads cloud
// assembly schema up to 54, while aws-cdk-lib 2.276 writes 55. The library
// @aws-cdk/cdk-assets-lib reads 55 but has no executable, so this script drives
// it. It supports only what the pipeline runs:
//   cdk-assets --path MANIFEST [--verbose] publish [ASSET[:DESTINATION] ...]
// The library is loaded from $VELOCITY_CDK_ASSETS_LIB (an absolute path) or
// else from "$(npm root -g)/cdk-assets".
"use strict";

const childProcess = require("child_process");
const fs = require("fs");
const path = require("path");

const USAGE = [
  "usage: cdk-assets --path MANIFEST [--verbose] publish [SELECTOR ...]",
  "",
  "  -p, --path MANIFEST  asset manifest file (or directory holding assets.json)",
  "  -v, --verbose        also print detail events",
  "  SELECTOR             ASSET_ID or ASSET_ID:DESTINATION_ID (\"*\" matches any);",
  "                       without selectors every asset in the manifest is published",
].join("\n");

// Events printed without --verbose; all other event types need --verbose.
const QUIET_EVENTS = new Set(["start", "success", "fail"]);

const REQUIRED_EXPORTS = ["AssetManifest", "AssetPublishing", "DefaultAwsClient", "DestinationPattern"];

let verbose = false;

class UsageError extends Error {}

function parseArgs(argv) {
  let manifestPath;
  let command;
  const selectors = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--path" || arg === "-p") {
      if (manifestPath !== undefined) {
        throw new UsageError(`${arg} given more than once`);
      }
      const value = argv[i + 1];
      if (value === undefined || value === "" || value.startsWith("-")) {
        throw new UsageError(`${arg} needs a value`);
      }
      manifestPath = value;
      i++;
    } else if (arg === "--verbose" || arg === "-v") {
      verbose = true;
    } else if (arg.startsWith("-")) {
      throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    } else if (command === undefined) {
      if (arg !== "publish") {
        throw new UsageError(`unknown command ${JSON.stringify(arg)} (only "publish" is supported)`);
      }
      command = arg;
    } else {
      selectors.push(arg);
    }
  }
  if (command === undefined) {
    throw new UsageError("no command given");
  }
  if (manifestPath === undefined) {
    throw new UsageError("--path is required");
  }
  return { manifestPath, selectors };
}

function firstLine(text) {
  return String(text).split("\n")[0];
}

function libraryDir() {
  const fromEnv = process.env.VELOCITY_CDK_ASSETS_LIB;
  if (fromEnv) {
    if (!path.isAbsolute(fromEnv)) {
      throw new Error(`VELOCITY_CDK_ASSETS_LIB must be an absolute path, got ${JSON.stringify(fromEnv)}`);
    }
    return fromEnv;
  }
  let root;
  try {
    root = childProcess.execFileSync("npm", ["root", "-g"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (e) {
    const detail = e.stderr ? String(e.stderr).trim() : "";
    throw new Error(`VELOCITY_CDK_ASSETS_LIB is not set and "npm root -g" failed: ${detail || e.message}`);
  }
  if (!root) {
    throw new Error("VELOCITY_CDK_ASSETS_LIB is not set and \"npm root -g\" printed nothing");
  }
  return path.join(root, "cdk-assets");
}

function loadLibrary(dir) {
  let lib;
  try {
    lib = require(dir);
  } catch (e) {
    throw new Error(`cannot load @aws-cdk/cdk-assets-lib from ${dir}: ${firstLine(e.message)}`);
  }
  const missing = REQUIRED_EXPORTS.filter((name) => typeof lib[name] !== "function");
  if (missing.length > 0) {
    throw new Error(`${dir} is not @aws-cdk/cdk-assets-lib (it does not export ${missing.join(", ")})`);
  }
  let pkg = {};
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  } catch (e) {
    // Only used for the verbose banner.
  }
  return { lib, name: pkg.name || "(unknown package)", version: pkg.version || "(unknown version)" };
}

function printEvent(type, progress) {
  if (!verbose && !QUIET_EVENTS.has(type)) {
    return;
  }
  const percent = String(progress.percentComplete).padStart(3, " ");
  const line = `[${percent}%] ${type}: ${progress.message}\n`;
  if (type === "fail") {
    process.stderr.write(line);
  } else {
    process.stdout.write(line);
  }
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cdk-assets: ${e.message}\n${USAGE}\n`);
      return 1;
    }
    throw e;
  }

  const dir = libraryDir();
  const { lib, name, version } = loadLibrary(dir);
  if (verbose) {
    process.stdout.write(`cdk-assets: using ${name}@${version} from ${dir}\n`);
  }

  const manifest = lib.AssetManifest.fromPath(args.manifestPath);
  const available = manifest.entries;

  const patterns = args.selectors.map((selector) => {
    try {
      return lib.DestinationPattern.parse(selector);
    } catch (e) {
      throw new Error(`invalid selector ${JSON.stringify(selector)}: ${e.message}`);
    }
  });
  const unmatched = args.selectors.filter((selector, i) => !available.some((entry) => patterns[i].matches(entry.id)));
  if (unmatched.length > 0) {
    const known = available.map((entry) => `  ${entry.id.toString()}`).join("\n") || "  (none)";
    throw new Error(
      `no asset in ${args.manifestPath} matches ${unmatched.map((s) => JSON.stringify(s)).join(", ")}\n` +
      `assets in that manifest:\n${known}`,
    );
  }

  const selected = patterns.length > 0 ? manifest.select(patterns) : manifest;
  const count = selected.entries.length;
  if (count === 0) {
    process.stdout.write(`cdk-assets: ${args.manifestPath} has no assets, nothing to publish\n`);
    return 0;
  }
  if (verbose) {
    process.stdout.write(`cdk-assets: publishing ${count} asset destination(s) from ${args.manifestPath}\n`);
  }

  const publishing = new lib.AssetPublishing(selected, {
    aws: new lib.DefaultAwsClient(),
    progressListener: { onPublishEvent: printEvent },
    throwOnError: false,
  });
  await publishing.publish();

  if (publishing.failures.length > 0) {
    for (const failure of publishing.failures) {
      process.stderr.write(
        `cdk-assets: failed to publish ${failure.asset.displayName(true)}: ${failure.error && failure.error.message}\n`,
      );
    }
    process.stderr.write(`cdk-assets: ${publishing.failures.length} of ${count} asset destination(s) failed\n`);
    return 1;
  }
  return 0;
}

function finish(code) {
  process.exitCode = code;
  // Exit explicitly (SDK keep-alive sockets must not hold the job open), but
  // only after both output streams have been flushed.
  process.stdout.write("", () => {
    process.stderr.write("", () => process.exit(code));
  });
}

main().then(finish, (err) => {
  const message = err && err.message ? err.message : String(err);
  process.stderr.write(`cdk-assets: error: ${message}\n`);
  if (verbose && err && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
  finish(1);
});
