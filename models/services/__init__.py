"""What reaches across areas, one layer above the areas it uses (as pretix keeps its services
above its models): setting up or copying an event (event_setup: checkpoints, protocol ranks,
seats, stands, award tiers seeded), the event's structure lists (event_structure: groups, units,
tiers, protocol, checkpoints) and cancelling, restoring or merging a person (person_changes:
their seat, awards and stand follow). No area below imports this package."""
