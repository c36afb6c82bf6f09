"""Schemathesis hooks for tests/web/test_api_schemathesis.py (loaded by name through SCHEMATHESIS_HOOKS).

Dry runs only: every request Schemathesis makes to the report endpoints has `proef` set to true. The test's
copy of the schema already requires `proef: true`; in negative mode (data that breaks the schema on purpose)
a body that is an object but says anything else for `proef` is dropped rather than sent, so no generated
request can store anything for real, and no case is judged against a rule only that copy makes.
"""

import schemathesis


@schemathesis.hook
def filter_body(context, body):
    if context.operation is None or "maandrapportage" not in context.operation.path:
        return True
    if isinstance(body, dict):
        return body.get("proef") is True or body.get("proef") == "true"
    return True
