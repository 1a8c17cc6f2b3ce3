"""Views of the reviews app.

- ``pool``: programme staff's pool pages (invite, import, resend, withdraw, terms) and the
  reviewer's home and confidentiality page.
- ``invitation_public``: the expert's personal invitation link (no login needed).
"""
