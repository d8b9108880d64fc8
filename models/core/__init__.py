"""The domain of the core area: shared foundations: the database handle, time, dates on documents
(Decree 30), Vietnamese names, phones, PDF fonts, QR, signed links, secrets, the guarded spreadsheet
reader, SVG, caches.

Empty on purpose: importing a module of the area runs no code of another."""
