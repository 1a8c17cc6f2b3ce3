"""Every read of the reviews app that views, exports and the admin share.

- ``pool``: calls for staff, the pool of a call, invitations by token, reviewer roles and
  the confidentiality terms a reviewer must have accepted.
"""
