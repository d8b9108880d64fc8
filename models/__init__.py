"""The domain: SQLAlchemy models and the logic that owns them.

This file stays empty on purpose: the kiosk imports models.codes (pure) without Flask.
The database handle lives in models.core.base; models.schema imports every model.
Never imports flask.request, cv2, pyzbar, admin or kiosk.
"""
