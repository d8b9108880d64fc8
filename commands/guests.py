"""CLI commands of one area.

Guest list, seat plan, badges, exports (issue 4). Pages under /admin/attendees, /admin/seats, /admin/badges.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

COMMANDS: list = []
