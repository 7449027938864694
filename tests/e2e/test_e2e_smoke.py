import json
import os
import ssl
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


def test_unsigned_call_is_refused():
    with open(os.environ["SC_E2E_OUTPUTS"]) as f:
        outputs = json.load(f)["SecureConstructsE2E"]
    url = outputs["ApiUrl"]
    api_id = url.split("//")[1].split(".")[0]
    local = f"{os.environ['SC_E2E_ENDPOINT']}/_aws/execute-api/{api_id}/prod/iam"
    ctx = ssl.create_default_context(cafile=os.environ["SC_E2E_CA_BUNDLE"])
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(local, context=ctx, timeout=10)
    assert err.value.code == 403
