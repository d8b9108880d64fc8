"""The pages and routes of the api area (the JSON API for kiosks and pages, its OpenAPI document and the check-in
fast path); each calls the domain in models/api/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""
