"""The event's delegation units (District: huyện, thị xã, thành phố, or whatever Event.unit_label
names), each with its exhibit area: the table guests, seating, check-in, the exhibition and the
districts' own pages all refer to, one layer above events."""
