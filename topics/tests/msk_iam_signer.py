"""Prints the MSK IAM token aws-msk-iam-sasl-signer-python builds, at a frozen signing time.

Usage: msk_iam_signer.py REGION EPOCH_SECONDS  (credentials as JSON on stdin:
{"access_key": ..., "secret_key": ..., "session_token": ... or null})

Run by topics/tests/msk_iam_signer.rs with the .venv/kafka interpreter, to compare its token with
ours. The credentials come on stdin rather than argv so that they never show in a process list.
"""

import datetime
import json
import sys

import botocore.auth
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
from botocore.credentials import CredentialProvider, Credentials


def main():
    region, epoch = sys.argv[1], int(sys.argv[2])
    creds = json.load(sys.stdin)
    frozen = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)

    # SigV4Auth.add_auth reads the signing time (X-Amz-Date, the credential scope's date) from
    # botocore.auth.get_current_datetime, imported by name into botocore.auth: patch it there.
    def get_current_datetime(remove_tzinfo=True):
        return frozen.replace(tzinfo=None) if remove_tzinfo else frozen

    botocore.auth.get_current_datetime = get_current_datetime

    class Fixed(CredentialProvider):
        METHOD = "fixed"

        def load(self):
            return Credentials(
                creds["access_key"], creds["secret_key"], creds.get("session_token")
            )

    token, _expiry_ms = MSKAuthTokenProvider.generate_auth_token_from_credentials_provider(
        region, Fixed()
    )
    print(token)


if __name__ == "__main__":
    main()
