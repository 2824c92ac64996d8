"""The same work as a Portico bulk job, with Okta's official Python SDK (unmodified), one call at
a time as its documentation shows: suspend each user whose id is on a line of IDS_FILE.

Run by `bench/src/bin/jobs.rs` with ORG_URL, OKTA_TOKEN and IDS_FILE set. Prints one JSON line:
{"elapsed_s", "done", "failures"}. The SDK's own rate-limit handling (it waits for the reset
and retries, `rateLimit.maxRetries`, default 2) is left as shipped; its HTTPS check is off with
its documented testing setting (and OKTA_TESTING_TESTINGDISABLEHTTPSCHECK, as the conformance
run sets it), as the embedded org is plain HTTP on loopback.
"""
import asyncio
import json
import os
import time

from okta.client import Client


async def main():
    client = Client({
        "orgUrl": os.environ["ORG_URL"],
        "token": os.environ["OKTA_TOKEN"],
        "testing": {"testingDisableHttpsCheck": True},
        "cache": {"enabled": False},
    })
    with open(os.environ["IDS_FILE"]) as f:
        ids = [line.strip() for line in f if line.strip()]
    done, failures = 0, []
    started = time.monotonic()
    for uid in ids:
        err = (await client.suspend_user(uid))[-1]
        if err is None:
            done += 1
        else:
            failures.append(f"{uid}: {err}")
    elapsed = time.monotonic() - started
    print(json.dumps({"elapsed_s": elapsed, "done": done, "failures": len(failures), "first_failures": failures[:3]}))


asyncio.run(main())
