"""Checking the action server's replies without re-checking the schema each time.

Rasa 3.6 checks every reply of the action server with ``jsonschema.validate``, which
first validates the reply *schema itself* against JSON Schema's 2020-12 meta-schema
and builds a new validator, on every custom action call. With jsonschema 4.17 that
is most of the cost: profiled under load, about 30% of the Rasa server's CPU went to
``check_schema`` for Penpal, where half of the replies come from the action server.

Importing this module swaps ``RemoteAction._validate_action_result`` for one that
checks the schema once and reuses one validator. Replies are checked exactly as
before: the same schema, the same best-matching error, the same message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

REJECTED_REPLY_HINT = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
)


@lru_cache(maxsize=1)
def reply_validator() -> Validator:
    """One validator for the reply schema, which is checked once, here."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server reply: True, or the best ValidationError raised."""
    error: ValidationError | None = best_match(reply_validator().iter_errors(result))
    if error is not None:
        error.message += REJECTED_REPLY_HINT
        raise error
    return True


RemoteAction._validate_action_result = validate_action_result
