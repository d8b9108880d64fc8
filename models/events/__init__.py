"""The domain of the events area: the event, its keys, settings, structure (programme, groups, units, tiers),
making and choosing events.

Empty on purpose: importing a module of the area runs no code of another."""
