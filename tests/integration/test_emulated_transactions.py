"""The emulation keeps DynamoDB's semantics with its shortcuts: all-or-nothing transactions (and their streams) with
a cheaper rollback, and queries that read one partition."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from devstack.streams import _shard_records


def _put(table: str, pk: str, sk: str, **more) -> dict:
    return {
        "Put": {
            "TableName": table,
            "Item": {"pk": {"S": pk}, "sk": {"S": sk}, **more},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def test_a_cancelled_transaction_leaves_items_and_stream_as_they_were(aws):
    dynamodb = aws.client("dynamodb")
    table = aws.resources.table_names["ReadersTable"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "R1"}, "sk": {"S": "PROFILE"}, "name": {"S": "before"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "R0"}, "sk": {"S": "PROFILE"}})
    stream_before = len(_shard_records(table))

    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                _put(table, "R2", "PROFILE"),
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "R1"}, "sk": {"S": "PROFILE"}},
                        "UpdateExpression": "SET #n = :n",
                        "ExpressionAttributeNames": {"#n": "name"},
                        "ExpressionAttributeValues": {":n": {"S": "after"}},
                    }
                },
                _put(table, "R0", "PROFILE"),  # exists already: the whole transaction is cancelled
            ]
        )

    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in dynamodb.get_item(TableName=table, Key={"pk": {"S": "R2"}, "sk": {"S": "PROFILE"}})
    kept = dynamodb.get_item(TableName=table, Key={"pk": {"S": "R1"}, "sk": {"S": "PROFILE"}})["Item"]
    assert kept["name"]["S"] == "before"
    assert len(_shard_records(table)) == stream_before


def test_a_committed_transaction_writes_every_item_and_its_stream_records(aws):
    dynamodb = aws.client("dynamodb")
    table = aws.resources.table_names["ReadersTable"]
    stream_before = len(_shard_records(table))

    dynamodb.transact_write_items(TransactItems=[_put(table, "R3", "PROFILE"), _put(table, "R3", "OUTBOX#1")])

    found = dynamodb.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "R3"}}
    )["Items"]
    assert {item["sk"]["S"] for item in found} == {"PROFILE", "OUTBOX#1"}
    assert len(_shard_records(table)) == stream_before + 2


def test_a_query_by_key_answers_only_its_partition_in_sort_order(aws):
    dynamodb = aws.client("dynamodb")
    table = aws.resources.table_names["ReadersTable"]
    for pk, sk in (("Q1", "B"), ("Q1", "A"), ("Q2", "A"), ("Q1", "C")):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": sk}})

    found = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk AND sk > :after",
        ExpressionAttributeValues={":pk": {"S": "Q1"}, ":after": {"S": "A"}},
    )["Items"]
    nothing = dynamodb.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "Q9"}}
    )["Items"]

    assert [item["sk"]["S"] for item in found] == ["B", "C"] and nothing == []
