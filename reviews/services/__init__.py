"""Every write of the reviews app: keyword-only functions, one transaction each, audited.

- ``invitations``: the reviewer pool (invite, bulk invite, resend, withdraw, accept, decline).
- ``confidentiality``: the call's versioned confidentiality terms and their acceptance.
"""
