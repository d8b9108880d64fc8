"""Event Kiosk entrance station: webcam -> QR decode -> local verify -> server -> screen.

A separate process from the server: it talks to it only over the JSON API and imports nothing
from the project but ``models.codes`` (pure badge-code verification).
"""
