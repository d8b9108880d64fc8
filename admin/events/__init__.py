"""The pages and routes of the events area (the event, its keys, settings, structure (programme, groups, units,
tiers), making and choosing events); each calls the domain in models/events/ where it exists.

Empty on purpose: importing a module of the area runs no code of another."""
