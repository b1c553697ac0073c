"""moto_server, with three changes so that its IAM checks (on when INITIAL_NO_AUTH_ACTION_COUNT is reached)
judge calls as AWS does: DynamoDB and EventBridge calls are checked against the table or event bus they
name (moto 5 checks them against the resource "*", which no policy scoped to a table or bus allows); a
DynamoDB TransactWriteItems is checked action by action, as dynamodb:PutItem, UpdateItem, DeleteItem or
ConditionCheckItem on the action's table (AWS has no dynamodb:TransactWriteItems permission: "Using IAM with
DynamoDB transactions" in its developer guide), where moto asks for dynamodb:TransactWriteItems on "*"; and a
missing S3 key is a 404 only to a caller allowed s3:ListBucket on the bucket; others get 403, as from S3.
Besides, DynamoDB calls run one at a time: moto checks a write's condition and then writes, so two conditional
writes racing from two threads could both pass, where DynamoDB makes each atomic.
Usage: python3 moto_like_aws.py -H 127.0.0.1 -p PORT (the arguments of moto_server)."""
import json
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.events.responses import EventsHandler
from moto.s3.exceptions import MissingKey
from moto.s3.responses import S3Response
from moto.server import main


def _body(handler):
    body = handler.body  # DynamoDB's handler has it parsed already
    if isinstance(body, dict):
        return body
    try:
        return json.loads(body or "{}")
    except ValueError:
        return {}


def _table(self):
    body = _body(self)
    table = body.get("TableName") or next(iter(body.get("RequestItems") or {}), None)
    if not table:
        return "*"
    return table if table.startswith("arn:") else f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}"


_authorize = DynamoHandler._authenticate_and_authorize_normal_action
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem"}


def _authorize_transactions(self, resource="*"):
    if self._get_action() != "TransactWriteItems":
        return _authorize(self, resource)
    for item in _body(self).get("TransactItems") or []:
        for kind, action in _TRANSACT_ACTIONS.items():
            if kind in item:
                table = item[kind]["TableName"]
                arn = table if table.startswith("arn:") else \
                    f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}"
                self._get_action = lambda a=action: a  # what the IAM request names as the action
                try:
                    _authorize(self, arn)
                finally:
                    del self._get_action


_dynamo_call = DynamoHandler.call_action
_dynamo_lock = threading.Lock()


def _atomic(self):
    with _dynamo_lock:
        return _dynamo_call(self)


def _bus(self):
    entries = _body(self).get("Entries")
    if not entries or "Source" not in entries[0]:
        return "*"
    bus = entries[0].get("EventBusName") or "default"
    return bus if bus.startswith("arn:") else f"arn:aws:events:{self.region}:{self.current_account}:event-bus/{bus}"


def _missing_key_needs_list_bucket(self, bucket_name):
    self.data["Action"] = "ListBucket"
    self._authenticate_and_authorize_s3_action(bucket_name=bucket_name)


_head_object = S3Response.head_object
_get_object = S3Response.get_object


def _head(self, bucket_name, query, key_name, headers):
    response = _head_object(self, bucket_name, query, key_name, headers)
    if response[0] == 404:
        _missing_key_needs_list_bucket(self, bucket_name)
    return response


def _get(self):
    try:
        return _get_object(self)
    except MissingKey:
        _missing_key_needs_list_bucket(self, self.bucket_name)
        raise


DynamoHandler._determine_resource = _table
DynamoHandler._authenticate_and_authorize_normal_action = _authorize_transactions
DynamoHandler.call_action = _atomic
EventsHandler._determine_resource = _bus
S3Response.head_object = _head
S3Response.get_object = _get

if __name__ == "__main__":
    main()
