#!/usr/bin/env python3
"""What DynamoDB Local alone needs for the bench's batch of 100 creates, and how the table's
shape moves it: a probe behind the figures quoted in the bench's concurrency section (not part
of `make test` or `make bench`).

It posts one batch of 100 users (as the bench does) to a running `make dev`, reads the items
that batch wrote back from the table, then starts a DynamoDB Local of its own and writes the
same items again with no API and no layer in front, in the batch's grouping (6
`TransactWriteItems` of 19 users and one counter item each, one after another: DynamoDB Local
commits one at a time anyway), on tables of several shapes, interleaved, and prints the median
time of the 6 transactions per shape.

    make dev                                   # another terminal: prints the four variables
    python3 -m venv /tmp/probe && /tmp/probe/bin/pip install boto3
    ROSTER_URL=… ROSTER_API_KEY=… DYNAMODB_ENDPOINT=… TABLE_NAME=roster-dev \\
        /tmp/probe/bin/python bench/probes/batch_floor.py [ROUNDS]
"""
import copy
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALL_INDEXES = {"GSI1", "GSI2", "GSI3", "GSI4", "GSI5", "GSI6"}
BASE_INDEXES = {"GSI1", "GSI2", "GSI3"}  # the table before the audit trail
# name: (indexes the table declares, kinds of item left out)
SHAPES = {
    "Roster today (6 GSIs; user, profile, 2 markers, audit record)": (ALL_INDEXES, set()),
    "no default-profile item (6 GSIs, 4 items a user)": (ALL_INDEXES, {"PROFILE"}),
    "audit record kept, GSI4-6 gone (3 GSIs)": (BASE_INDEXES, set()),
    "before the audit trail (3 GSIs, 4 items a user)": (BASE_INDEXES, {"AUDIT"}),
    "user and markers only (3 GSIs, 3 items a user)": (BASE_INDEXES, {"AUDIT", "PROFILE"}),
}
USERS_PER_TRANSACTION = 19  # the batch's group size for these users


def client(endpoint):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="probe", aws_secret_access_key="probe")


def kind(item):
    if item["PK"]["S"].startswith("AUDIT#"):
        return "AUDIT"
    return item["SK"]["S"].split("#")[0]


def scan(ddb, table):
    pages = ddb.get_paginator("scan").paginate(TableName=table)
    return pages.build_full_result()["Items"]


def capture_batch():
    """Posts a batch of 100 and answers (its items grouped per user, a counter item, the table's description)."""
    ddb, table = client(os.environ["DYNAMODB_ENDPOINT"]), os.environ["TABLE_NAME"]
    before = {(i["PK"]["S"], i["SK"]["S"]) for i in scan(ddb, table)}
    tag = uuid.uuid4().hex[:8]
    body = [{"username": f"b{i}-{tag}", "name": "Batch User", "emails": [f"b{i}-{tag}@example.com"]}
            for i in range(100)]
    request = urllib.request.Request(
        os.environ["ROSTER_URL"] + "/v1/users", data=json.dumps(body).encode(),
        headers={"x-api-key": os.environ["ROSTER_API_KEY"], "content-type": "application/json"})
    urllib.request.urlopen(request).read()
    new = [i for i in scan(ddb, table) if (i["PK"]["S"], i["SK"]["S"]) not in before]
    users = [i for i in new if kind(i) == "USER"]
    per_user = {u["id"]["S"]: [] for u in users}
    for item in new:
        if kind(item) == "ORG":
            continue
        text = json.dumps(item).lower()
        owner = next((u for u in users
                      if u["id"]["S"].lower() in text or u["username"]["S"].lower() in text), None)
        if owner is None:
            sys.exit(f"an item of the batch belongs to no user: {item}")
        per_user[owner["id"]["S"]].append(item)
    counter = next(i for i in new if kind(i) == "ORG")
    return list(per_user.values()), counter, ddb.describe_table(TableName=table)["Table"]


def own_dynamodb_local():
    jar = subprocess.check_output([f"{ROOT}/scripts/dynamodb-local.sh", "jar"], text=True).strip()
    dist = os.path.dirname(jar)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        ["java", f"-Djava.library.path={dist}/DynamoDBLocal_lib", "-jar", jar,
         "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port)],
        cwd=dist, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ddb = client(f"http://127.0.0.1:{port}")
    for _ in range(200):
        try:
            ddb.list_tables()
            return process, ddb
        except Exception:
            time.sleep(0.1)
    process.terminate()
    sys.exit("DynamoDB Local did not start")


def create_table(ddb, name, description, indexes):
    kept = [g for g in description["GlobalSecondaryIndexes"] if g["IndexName"] in indexes]
    used = {"PK", "SK"} | {k["AttributeName"] for g in kept for k in g["KeySchema"]}
    extra = {"GlobalSecondaryIndexes": [
        {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
        for g in kept]} if kept else {}
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=description["KeySchema"],
                     AttributeDefinitions=[a for a in description["AttributeDefinitions"]
                                           if a["AttributeName"] in used], **extra)


def write_batch(ddb, table, per_user, counter, left_out, round_):
    """The batch's transactions, one after another; answers their total time in ms."""
    def renamed(item, suffix):
        item = copy.deepcopy(item)
        item["SK"] = {"S": item["SK"]["S"] + suffix}
        return item
    total = 0.0
    for start in range(0, len(per_user), USERS_PER_TRANSACTION):
        actions = [{"Put": {"TableName": table, "Item": renamed(item, f"#r{round_}"),
                            "ConditionExpression": "attribute_not_exists(PK)"}}
                   for user in per_user[start:start + USERS_PER_TRANSACTION]
                   for item in user if kind(item) not in left_out]
        actions.append({"Put": {"TableName": table, "Item": renamed(counter, f"#r{round_}#{start}")}})
        began = time.perf_counter()
        ddb.transact_write_items(TransactItems=actions)
        total += time.perf_counter() - began
    return total * 1000


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 22
    per_user, counter, description = capture_batch()
    process, ddb = own_dynamodb_local()
    try:
        for n, (indexes, _) in enumerate(SHAPES.values()):
            create_table(ddb, f"probe{n}", description, indexes)
        times = {name: [] for name in SHAPES}
        for round_ in range(rounds):
            for n, (name, (_, left_out)) in enumerate(SHAPES.items()):
                times[name].append(write_batch(ddb, f"probe{n}", per_user, counter, left_out, round_))
        print(f"the batch's 6 transactions on DynamoDB Local alone, {rounds} rounds "
              f"(the first 2 are warm-up):")
        for name, values in times.items():
            kept = values[2:]
            print(f"  {name:66s} median {statistics.median(kept):5.0f} ms, min {min(kept):5.0f} ms")
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
